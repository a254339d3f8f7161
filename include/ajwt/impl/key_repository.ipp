// SPDX-License-Identifier: ISC
// The bodies of the functions <ajwt/key_repository.hpp> declares: included at the end of that header
// (header-only, the default) or by <ajwt/src.hpp> in one source file (AJWT_SEPARATE_COMPILATION). Internal.
#ifndef AJWT_IMPL_KEY_REPOSITORY_IPP
#define AJWT_IMPL_KEY_REPOSITORY_IPP

#include "../key_repository.hpp"

#include "../detail/key_state.hpp"

AJWT_NAMESPACE_BEGIN
namespace detail {

AJWT_DECL void merge_key(std::vector<public_key>& keys, const public_key& key) {
  for (auto it = keys.begin(); it != keys.end(); ++it) {
    if (*it != key) continue;
    const auto keep_old = first_is_narrower(it->pinned_algorithm(), key.pinned_algorithm());
    if (!keep_old) {
      keys.erase(it);
    } else if (!*keep_old) {
      *it = key;
    }
    return;
  }
  keys.push_back(key);
}

}  // namespace detail
AJWT_NAMESPACE_END

#endif  // AJWT_IMPL_KEY_REPOSITORY_IPP
