// Every kernel template, for the ISA translation units (src/isa/isa_tu.inc).
#pragma once

#include "kernels/dense.hpp"
#include "kernels/elementwise.hpp"
#include "kernels/loss.hpp"
#include "kernels/softmax.hpp"
