// The operator options of the FlatBuffers model: per options type, one writer (op -> options
// table) and one reader (options table -> the op's attributes), side by side so the two directions
// cannot drift. FlatBufferExport.cpp and FlatBufferImport.cpp pick the pair for an op from the
// OPTIONS column of the op table (qopt/Runtime/OpTable.def): an op that reuses an options type
// adds nothing here, a new options type adds its pair.
//
// Both take the op class as a template parameter, so an attribute the options type names but the
// op lacks is a compile error rather than a misspelled string found at run time.
#ifndef QOPT_LIB_TARGET_FLATBUFFER_OPTIONSCODEC_H
#define QOPT_LIB_TARGET_FLATBUFFER_OPTIONSCODEC_H

#include "qopt/Dialect/QOpt/IR/QOptOps.h"
#include "qopt/Target/FlatBuffer/Schema.h"

#include "mlir/IR/Builders.h"
#include <type_traits>
#include <vector>

namespace mlir::qopt::fbopts {

/// Selects the writer/reader pair of one options type.
template <fb::OpOptions K> struct OptionsTag {};

inline std::vector<int64_t> toVector(ArrayRef<int64_t> a) { return {a.begin(), a.end()}; }

inline DenseI64ArrayAttr i64s(OpBuilder &b, const flatbuffers::Vector<int64_t> *v) {
  return b.getDenseI64ArrayAttr(v ? SmallVector<int64_t>(v->begin(), v->end())
                                  : SmallVector<int64_t>());
}

// The two enums list the same activations in the same order.
inline fb::Activation toFb(Activation a) {
  return static_cast<fb::Activation>(static_cast<int8_t>(a));
}
inline ActivationAttr activationAttr(OpBuilder &b, fb::Activation a) {
  return ActivationAttr::get(b.getContext(), static_cast<Activation>(static_cast<int8_t>(a)));
}

// A reader runs only when the operator has options, and the model checker has proven them to be of
// the type the op table names: options_as_X() is never null in readOptions(..., OptionsTag<X>).

// NONE

template <typename OpT>
void writeOptions(OpT, OptionsTag<fb::OpOptions::NONE>, fb::OpOptionsUnion &) {}

template <typename OpT>
void readOptions(OpT, OpBuilder &, const fb::Operator &, OptionsTag<fb::OpOptions::NONE>) {}

// FullyConnectedOptions

template <typename OpT>
void writeOptions(OpT o, OptionsTag<fb::OpOptions::FullyConnectedOptions>, fb::OpOptionsUnion &u) {
  fb::FullyConnectedOptionsT t;
  t.activation = toFb(o.getActivation());
  u.Set(std::move(t));
}

template <typename OpT>
void readOptions(OpT op, OpBuilder &b, const fb::Operator &fop,
                 OptionsTag<fb::OpOptions::FullyConnectedOptions>) {
  const auto *o = fop.options_as_FullyConnectedOptions();
  op.setActivationAttr(activationAttr(b, o->activation()));
}

// Conv2DOptions

template <typename OpT>
void writeOptions(OpT o, OptionsTag<fb::OpOptions::Conv2DOptions>, fb::OpOptionsUnion &u) {
  fb::Conv2DOptionsT t;
  t.strides = toVector(o.getStrides());
  t.pads = toVector(o.getPads());
  t.dilations = toVector(o.getDilations());
  t.groups = o.getGroups();
  t.activation = toFb(o.getActivation());
  u.Set(std::move(t));
}

template <typename OpT>
void readOptions(OpT op, OpBuilder &b, const fb::Operator &fop,
                 OptionsTag<fb::OpOptions::Conv2DOptions>) {
  const auto *o = fop.options_as_Conv2DOptions();
  op.setStridesAttr(i64s(b, o->strides()));
  op.setPadsAttr(i64s(b, o->pads()));
  op.setDilationsAttr(i64s(b, o->dilations()));
  op.setGroupsAttr(b.getI64IntegerAttr(o->groups()));
  op.setActivationAttr(activationAttr(b, o->activation()));
}

// ClampOptions

template <typename OpT>
void writeOptions(OpT o, OptionsTag<fb::OpOptions::ClampOptions>, fb::OpOptionsUnion &u) {
  fb::ClampOptionsT t;
  t.min = o.getMin().convertToFloat();
  t.max = o.getMax().convertToFloat();
  u.Set(std::move(t));
}

template <typename OpT>
void readOptions(OpT op, OpBuilder &b, const fb::Operator &fop,
                 OptionsTag<fb::OpOptions::ClampOptions>) {
  const auto *o = fop.options_as_ClampOptions();
  op.setMinAttr(b.getF32FloatAttr(o->min()));
  op.setMaxAttr(b.getF32FloatAttr(o->max()));
}

// LeakyReluOptions

template <typename OpT>
void writeOptions(OpT o, OptionsTag<fb::OpOptions::LeakyReluOptions>, fb::OpOptionsUnion &u) {
  fb::LeakyReluOptionsT t;
  t.alpha = o.getAlpha().convertToFloat();
  u.Set(std::move(t));
}

template <typename OpT>
void readOptions(OpT op, OpBuilder &b, const fb::Operator &fop,
                 OptionsTag<fb::OpOptions::LeakyReluOptions>) {
  op.setAlphaAttr(b.getF32FloatAttr(fop.options_as_LeakyReluOptions()->alpha()));
}

// GeluOptions

template <typename OpT>
void writeOptions(OpT o, OptionsTag<fb::OpOptions::GeluOptions>, fb::OpOptionsUnion &u) {
  fb::GeluOptionsT t;
  t.approximate_tanh = o.getApproximateTanh();
  u.Set(std::move(t));
}

template <typename OpT>
void readOptions(OpT op, OpBuilder &b, const fb::Operator &fop,
                 OptionsTag<fb::OpOptions::GeluOptions>) {
  op.setApproximateTanhAttr(b.getBoolAttr(fop.options_as_GeluOptions()->approximate_tanh()));
}

// AxisOptions

template <typename OpT>
void writeOptions(OpT o, OptionsTag<fb::OpOptions::AxisOptions>, fb::OpOptionsUnion &u) {
  fb::AxisOptionsT t;
  t.axis = o.getAxis();
  u.Set(std::move(t));
}

template <typename OpT>
void readOptions(OpT op, OpBuilder &b, const fb::Operator &fop,
                 OptionsTag<fb::OpOptions::AxisOptions>) {
  op.setAxisAttr(b.getI64IntegerAttr(fop.options_as_AxisOptions()->axis()));
}

// LayerNormOptions

template <typename OpT>
void writeOptions(OpT o, OptionsTag<fb::OpOptions::LayerNormOptions>, fb::OpOptionsUnion &u) {
  fb::LayerNormOptionsT t;
  t.axis = o.getAxis();
  t.epsilon = o.getEpsilon().convertToFloat();
  u.Set(std::move(t));
}

template <typename OpT>
void readOptions(OpT op, OpBuilder &b, const fb::Operator &fop,
                 OptionsTag<fb::OpOptions::LayerNormOptions>) {
  const auto *o = fop.options_as_LayerNormOptions();
  op.setAxisAttr(b.getI64IntegerAttr(o->axis()));
  op.setEpsilonAttr(b.getF32FloatAttr(o->epsilon()));
}

// BatchNormOptions

template <typename OpT>
void writeOptions(OpT o, OptionsTag<fb::OpOptions::BatchNormOptions>, fb::OpOptionsUnion &u) {
  fb::BatchNormOptionsT t;
  t.epsilon = o.getEpsilon().convertToFloat();
  u.Set(std::move(t));
}

template <typename OpT>
void readOptions(OpT op, OpBuilder &b, const fb::Operator &fop,
                 OptionsTag<fb::OpOptions::BatchNormOptions>) {
  op.setEpsilonAttr(b.getF32FloatAttr(fop.options_as_BatchNormOptions()->epsilon()));
}

// Pool2DOptions

/// max_pool2d has dilations (optional in a file), avg_pool2d has count_include_pad.
template <typename OpT>
void writeOptions(OpT o, OptionsTag<fb::OpOptions::Pool2DOptions>, fb::OpOptionsUnion &u) {
  fb::Pool2DOptionsT t;
  t.kernel = toVector(o.getKernel());
  t.strides = toVector(o.getStrides());
  t.pads = toVector(o.getPads());
  if constexpr (std::is_same_v<OpT, MaxPool2DOp>)
    t.dilations = toVector(o.getDilations());
  t.ceil_mode = o.getCeilMode();
  if constexpr (std::is_same_v<OpT, AvgPool2DOp>)
    t.count_include_pad = o.getCountIncludePad();
  u.Set(std::move(t));
}

template <typename OpT>
void readOptions(OpT op, OpBuilder &b, const fb::Operator &fop,
                 OptionsTag<fb::OpOptions::Pool2DOptions>) {
  const auto *o = fop.options_as_Pool2DOptions();
  op.setKernelAttr(i64s(b, o->kernel()));
  op.setStridesAttr(i64s(b, o->strides()));
  op.setPadsAttr(i64s(b, o->pads()));
  op.setCeilModeAttr(b.getBoolAttr(o->ceil_mode()));
  if constexpr (std::is_same_v<OpT, MaxPool2DOp>) {
    if (o->dilations())
      op.setDilationsAttr(i64s(b, o->dilations()));
  }
  if constexpr (std::is_same_v<OpT, AvgPool2DOp>)
    op.setCountIncludePadAttr(b.getBoolAttr(o->count_include_pad()));
}

// TransposeOptions

template <typename OpT>
void writeOptions(OpT o, OptionsTag<fb::OpOptions::TransposeOptions>, fb::OpOptionsUnion &u) {
  fb::TransposeOptionsT t;
  t.perm = toVector(o.getPerm());
  u.Set(std::move(t));
}

template <typename OpT>
void readOptions(OpT op, OpBuilder &b, const fb::Operator &fop,
                 OptionsTag<fb::OpOptions::TransposeOptions>) {
  op.setPermAttr(i64s(b, fop.options_as_TransposeOptions()->perm()));
}

// ReduceOptions

template <typename OpT>
void writeOptions(OpT o, OptionsTag<fb::OpOptions::ReduceOptions>, fb::OpOptionsUnion &u) {
  fb::ReduceOptionsT t;
  t.axes = toVector(o.getAxes());
  t.keepdims = o.getKeepdims();
  u.Set(std::move(t));
}

template <typename OpT>
void readOptions(OpT op, OpBuilder &b, const fb::Operator &fop,
                 OptionsTag<fb::OpOptions::ReduceOptions>) {
  const auto *o = fop.options_as_ReduceOptions();
  // Absent axes means every dimension, like an empty list.
  op.setAxesAttr(o->axes() ? i64s(b, o->axes()) : b.getDenseI64ArrayAttr({}));
  op.setKeepdimsAttr(b.getBoolAttr(o->keepdims()));
}

// FakeQuantDynamicOptions

template <typename OpT>
void writeOptions(OpT o, OptionsTag<fb::OpOptions::FakeQuantDynamicOptions>,
                  fb::OpOptionsUnion &u) {
  fb::FakeQuantDynamicOptionsT t;
  t.signed_storage = o.getStorage() == ActivationStorage::i8;
  u.Set(std::move(t));
}

template <typename OpT>
void readOptions(OpT op, OpBuilder &b, const fb::Operator &fop,
                 OptionsTag<fb::OpOptions::FakeQuantDynamicOptions>) {
  bool isSigned = fop.options_as_FakeQuantDynamicOptions()->signed_storage();
  op.setStorageAttr(ActivationStorageAttr::get(
      b.getContext(), isSigned ? ActivationStorage::i8 : ActivationStorage::u8));
}

// SliceOptions

template <typename OpT>
void writeOptions(OpT o, OptionsTag<fb::OpOptions::SliceOptions>, fb::OpOptionsUnion &u) {
  fb::SliceOptionsT t;
  t.starts = toVector(o.getStarts());
  t.ends = toVector(o.getEnds());
  t.steps = toVector(o.getSteps());
  u.Set(std::move(t));
}

template <typename OpT>
void readOptions(OpT op, OpBuilder &b, const fb::Operator &fop,
                 OptionsTag<fb::OpOptions::SliceOptions>) {
  const auto *o = fop.options_as_SliceOptions();
  op.setStartsAttr(i64s(b, o->starts()));
  op.setEndsAttr(i64s(b, o->ends()));
  op.setStepsAttr(i64s(b, o->steps()));
}

// GatherOptions

template <typename OpT>
void writeOptions(OpT o, OptionsTag<fb::OpOptions::GatherOptions>, fb::OpOptionsUnion &u) {
  fb::GatherOptionsT t;
  t.axis = o.getAxis();
  t.indices = toVector(o.getIndices());
  t.indices_shape = toVector(o.getIndicesShape());
  u.Set(std::move(t));
}

template <typename OpT>
void readOptions(OpT op, OpBuilder &b, const fb::Operator &fop,
                 OptionsTag<fb::OpOptions::GatherOptions>) {
  const auto *o = fop.options_as_GatherOptions();
  op.setAxisAttr(b.getI64IntegerAttr(o->axis()));
  op.setIndicesAttr(i64s(b, o->indices()));
  op.setIndicesShapeAttr(i64s(b, o->indices_shape()));
}

} // namespace mlir::qopt::fbopts

#endif
