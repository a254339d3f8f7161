// SPDX-License-Identifier: ISC
// Linked against ajwt::redis: proves the target brings hiredis's include path and library along.
#include <hiredis/hiredis.h>

int main() {
  redisFree(nullptr);  // documented as a no-op; only the link matters here
  return 0;
}
