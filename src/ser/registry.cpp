#include "ser/registry.h"

#include "core/error.h"

namespace emoaug::ser {

namespace {
template <class... C>
std::vector<ClassifierKind> kinds_of(ClassifierList<C...>) {
  return {C::kind()...};
}
}  // namespace

const std::vector<ClassifierKind>& classifier_kinds() {
  static const std::vector<ClassifierKind> kinds = kinds_of(RegisteredClassifiers{});
  return kinds;
}

std::vector<std::string> classifier_names() {
  std::vector<std::string> names;
  for (const ClassifierKind& k : classifier_kinds()) names.push_back(k.name);
  return names;
}

const ClassifierKind& classifier_kind(const std::string& name, const std::string& key) {
  std::string known;
  for (const ClassifierKind& k : classifier_kinds()) {
    if (name == k.name) return k;
    known += (known.empty() ? "\"" : ", \"") + std::string(k.name) + "\"";
  }
  throw Error(key + ": unknown classifier \"" + name + "\"; known: " + known);
}

}  // namespace emoaug::ser
