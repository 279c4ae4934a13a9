// Every kernel template, for the ISA translation units (src/isa/isa_tu.inc).
#pragma once

#include "kernels/accuracy.hpp"
#include "kernels/argmax.hpp"
#include "kernels/categorical_cross_entropy.hpp"
#include "kernels/clip.hpp"
#include "kernels/dense.hpp"
#include "kernels/forward_pass.hpp"
#include "kernels/relu.hpp"
#include "kernels/softmax.hpp"
#include "kernels/softmax_cross_entropy.hpp"
#include "kernels/sum.hpp"
