#include "snapshot/syn_queue.h"

#include <algorithm>

namespace se {

uint32_t SynQueueLimit(uint32_t accept_limit, const SynQueueSysctlValues& sysctls) {
  if (sysctls.syncookies != 0 || sysctls.max_syn_backlog == 0) return accept_limit;
  return std::min(accept_limit, sysctls.max_syn_backlog - sysctls.max_syn_backlog / 4);
}

}  // namespace se
