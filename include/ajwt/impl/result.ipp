// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/result.hpp> declares: included at the end of that header (header-only,
// the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_RESULT_IPP
#define AJWT_IMPL_RESULT_IPP

#include "../result.hpp"

AJWT_NAMESPACE_BEGIN

AJWT_DECL bad_result_access::bad_result_access(const failure& f)
    : error("ajwt::result holds a failure: " + std::string(to_string(f.reason)) + ": " + f.detail) {}

AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_RESULT_IPP
