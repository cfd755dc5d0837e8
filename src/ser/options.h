// A ser.* config block: the options of every registered SER classifier, and the list that
// registers them. Defaults: the paper's `real` setting (§4.3) for the MLP, each other
// classifier's own (its options struct).
#pragma once

#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "backend/ops.h"
#include "ser/linear.h"
#include "ser/mlp_classifier.h"

namespace emoaug::ser {

template <class... C>
struct ClassifierList {};

// The registration: every SER classifier, the default first. A classifier is a class with a
// static kName, a static kind() (ser/registry.h) and an Options struct with a static visit (its
// keys, ser/classifier.h's MlpOptions shows the form). The default's keys sit at the top of a
// block, every other one's in a table of its name ([ser.real.linear]).
using RegisteredClassifiers = ClassifierList<MlpClassifier, LinearClassifier>;

template <class C>
struct ClassifierTag {
  using type = C;
};

namespace detail {
template <class List>
struct OptionsBlock;
template <class Default, class... Others>
struct OptionsBlock<ClassifierList<Default, Others...>> : Default::Options {
  using DefaultClassifier = Default;
  using OtherClassifiers = std::tuple<Others...>;
  std::tuple<typename Others::Options...> others;
};
}  // namespace detail

struct ClassifierOptions : detail::OptionsBlock<RegisteredClassifiers> {
  std::string classifier = DefaultClassifier::kName;  // which: a name in ser/registry.h
  ops::AdamHyper adam{};  // every classifier's Adam; its lr is the classifier's own `lr`

  // Classifier C's options in this block.
  template <class C>
  const typename C::Options& of() const {
    if constexpr (std::is_same_v<C, DefaultClassifier>)
      return *this;
    else
      return std::get<typename C::Options>(others);
  }
  template <class C>
  typename C::Options& of() {
    return const_cast<typename C::Options&>(std::as_const(*this).template of<C>());
  }
};

namespace detail {
template <class C, class F, class... Block>
void call_with_options_of(F& f, Block&... blocks) {
  f(ClassifierTag<C>{}, blocks.template of<C>()...);
}
template <class F, std::size_t... I, class... Block>
void for_each_other_classifier(std::index_sequence<I...>, F& f, Block&... blocks) {
  using Others = ClassifierOptions::OtherClassifiers;
  (call_with_options_of<std::tuple_element_t<I, Others>>(f, blocks...), ...);
}
}  // namespace detail

// f(ClassifierTag<C>{}, C's options in each block given...) for every registered classifier but
// the default, in registration order; with no block, f(ClassifierTag<C>{}).
template <class F, class... Block>
void for_each_other_classifier(F&& f, Block&... blocks) {
  detail::for_each_other_classifier(
      std::make_index_sequence<std::tuple_size_v<ClassifierOptions::OtherClassifiers>>{}, f,
      blocks...);
}

}  // namespace emoaug::ser
