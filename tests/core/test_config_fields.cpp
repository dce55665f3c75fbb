// The kinds of field a config's field list holds (core/config_fields.h): each is read, checked,
// written and documented from the one list, and bad input names the file and the field.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/config_fields.h"
#include "tests/common/error_of.h"

using namespace r1;
using r1::testing::error_of;

namespace {

enum class Shape { Round, Square };
Shape parse_shape(const std::string& s, const std::string& where) {
  if (s == "round") return Shape::Round;
  if (s == "square") return Shape::Square;
  fail(where, ": unknown shape '", s, "' (known: round, square)");
}
std::string shape_name(Shape s) {
  return s == Shape::Round ? "round" : "square";
}

struct Leaf {
  int size = 1;
  static Leaf from_json(const json& j, const std::string& where) { return fields().read(j, where); }
  json to_json() const { return fields().write(*this); }
  static const ConfigFields<Leaf>& fields() {
    static const auto f = ConfigFields<Leaf>("leaf").add("size", &Leaf::size, "how big",
                                                         at_least<int>(1, "must be >= 1"));
    return f;
  }
};

struct Tree {
  std::string name;
  double height = 2.5;
  Shape shape = Shape::Round;
  std::map<std::string, int> counts;
  std::vector<Leaf> leaves;
  std::optional<Leaf> crown;
  Leaf root;
  int train_steps = 10;  // read from the "train" group
  std::string note;      // written only when set

  static const ConfigFields<Tree>& fields() {
    static const auto f =
        ConfigFields<Tree>("tree")
            .add("name", &Tree::name, "the tree's name")
            .required()
            .add("height", &Tree::height, "metres",
                 must_got<double>([](double v) { return v > 0; }, "must be positive"))
            .add_named<Shape>("shape", &Tree::shape, "round or square", parse_shape, shape_name)
            .add("counts", &Tree::counts, "name -> count")
            .add("leaves", &Tree::leaves, "a list of sections")
            .add("crown", &Tree::crown, "an optional section")
            .add("root", &Tree::root, "a section")
            .add_group(
                "train", "a group of the tree's own fields",
                ConfigFields<Tree>("train").add("steps", &Tree::train_steps, "steps",
                                                in_range<int>(1, 100, "must be in [1, 100]")))
            .add("note", &Tree::note, "a note", nullptr, unless_empty());
    return f;
  }
};

Tree read_tree(const std::string& text) {
  return Tree::fields().read(parse_json(text, "tree.json"), "tree.json");
}

}  // namespace

TEST(ConfigFields, ReadsEveryKindOfField) {
  const Tree t = read_tree(R"({"name": "oak", "height": 3, "shape": "square",
      "counts": {"a": 1, "b": 2}, "leaves": [{"size": 2}, {}], "crown": {"size": 5},
      "root": {"size": 7}, "train": {"steps": 20}})");
  EXPECT_EQ(t.name, "oak");
  EXPECT_EQ(t.height, 3.0);
  EXPECT_EQ(t.shape, Shape::Square);
  EXPECT_EQ(t.counts, (std::map<std::string, int>{{"a", 1}, {"b", 2}}));
  ASSERT_EQ(t.leaves.size(), 2u);
  EXPECT_EQ(t.leaves[0].size, 2);
  EXPECT_EQ(t.leaves[1].size, 1);
  ASSERT_TRUE(t.crown.has_value());
  EXPECT_EQ(t.crown->size, 5);
  EXPECT_EQ(t.root.size, 7);
  EXPECT_EQ(t.train_steps, 20);
  // Written back, it reads as itself; unset optional parts stay out.
  const json w = Tree::fields().write(t);
  EXPECT_EQ(Tree::fields().write(Tree::fields().read(w, "again")), w);
  EXPECT_FALSE(w.contains("note"));
  EXPECT_EQ(w["train"], (json{{"steps", 20}}));
  EXPECT_EQ(w["shape"], "square");
}

TEST(ConfigFields, MissingFieldsKeepTheirDefaults) {
  const Tree t = read_tree(R"({"name": "elm"})");
  EXPECT_EQ(t.height, 2.5);
  EXPECT_EQ(t.shape, Shape::Round);
  EXPECT_TRUE(t.leaves.empty());
  EXPECT_FALSE(t.crown.has_value());
  EXPECT_EQ(t.root.size, 1);
  EXPECT_EQ(t.train_steps, 10);
  EXPECT_FALSE(Tree::fields().write(t).contains("crown"));
}

TEST(ConfigFields, BadInputNamesTheFileAndTheField) {
  auto err = [](const std::string& text) { return error_of([&] { read_tree(text); }); };
  EXPECT_EQ(err(R"({})"), "tree.json: missing required field 'name'");
  EXPECT_EQ(err(R"({"name": "x", "hight": 3})").rfind("tree.json: unknown field 'hight'", 0), 0u);
  EXPECT_EQ(err(R"({"name": "x", "height": -1})"),
            "tree.json: field 'height': must be positive, got -1.0");
  EXPECT_EQ(err(R"({"name": "x", "shape": "oval"})"),
            "tree.json: field 'shape': unknown shape 'oval' (known: round, square)");
  EXPECT_EQ(err(R"({"name": "x", "counts": {"a": "one"}})"),
            "tree.json: field 'counts.a': expected an integer, got string \"one\"");
  EXPECT_EQ(err(R"({"name": "x", "leaves": [{}, {"size": 0}]})"),
            "tree.json: leaves[1]: field 'size': must be >= 1");
  EXPECT_EQ(err(R"({"name": "x", "leaves": {}})"),
            "tree.json: field 'leaves': expected an array, got object {}");
  EXPECT_EQ(err(R"({"name": "x", "crown": {"size": 0}})"),
            "tree.json: field 'crown': field 'size': must be >= 1");
  EXPECT_EQ(err(R"({"name": "x", "train": {"steps": 0}})"),
            "tree.json: field 'train': field 'steps': must be in [1, 100]");
  EXPECT_EQ(err(R"({"name": "x", "train": {"stepz": 1}})")
                .rfind("tree.json: field 'train': unknown field 'stepz'", 0),
            0u);
}

TEST(ConfigFields, ValidateChecksAConfigBuiltInCode) {
  Tree t;
  t.name = "x";
  t.train_steps = 500;
  EXPECT_EQ(error_of([&] { Tree::fields().validate(t, "built"); }),
            "built: field 'train': field 'steps': must be in [1, 100]");
}

TEST(ConfigFields, TheReferenceTableListsEveryField) {
  const std::string md = Tree::fields().markdown();
  for (const char* row :
       {"| `name` | (required) | the tree's name |", "| `height` | `2.5` | metres |",
        "| `shape` | `\"round\"` | round or square |", "| `train.steps` | `10` | steps |",
        "| `crown` | `(optional section)` |"}) {
    EXPECT_NE(md.find(row), std::string::npos) << row << " not in\n" << md;
  }
}
