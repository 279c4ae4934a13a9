// Every kernel template, for the ISA translation units (src/isa/isa_tu.inc).
#pragma once

#include "kernels/argmax.hpp"
#include "kernels/categorical_cross_entropy.hpp"
#include "kernels/dense.hpp"
#include "kernels/elementwise.hpp"
#include "kernels/softmax.hpp"
#include "kernels/sum.hpp"
