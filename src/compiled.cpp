// SPDX-License-Identifier: ISC
// The one source file of ajwt::compiled: the bodies of ajwt's non-template functions, compiled once with
// AJWT_SEPARATE_COMPILATION (the target passes the macro on to everything that links it).
#include <ajwt/src.hpp>
