#include "parsers/oci_config.h"

#include <nlohmann/json.hpp>

namespace se {
namespace {

using nlohmann::json;

// The first of `keys` present as a string.
std::string Annotation(const json& annotations, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    auto it = annotations.find(key);
    if (it != annotations.end() && it->is_string()) return it->get<std::string>();
  }
  return "";
}

}  // namespace

bool ParseOciConfig(std::string_view text, ContainerNames* names, std::string* error) {
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) {
    *error = doc.is_discarded() ? "not valid JSON" : "not a JSON object";
    return false;
  }
  *names = {};
  auto it = doc.find("annotations");
  if (it == doc.end() || !it->is_object()) return true;
  const json& a = *it;
  names->pod = Annotation(a, {"io.kubernetes.cri.sandbox-name", "io.kubernetes.pod.name"});
  names->pod_namespace =
      Annotation(a, {"io.kubernetes.cri.sandbox-namespace", "io.kubernetes.pod.namespace"});
  names->pod_uid = Annotation(a, {"io.kubernetes.cri.sandbox-uid", "io.kubernetes.pod.uid"});
  names->container =
      Annotation(a, {"io.kubernetes.cri.container-name", "io.kubernetes.container.name"});
  const std::string type = Annotation(a, {"io.kubernetes.cri.container-type"});
  // CRI-O marks its infra container with io.kubernetes.cri-o.ContainerType = "sandbox".
  names->sandbox = type == "sandbox" || Annotation(a, {"io.kubernetes.cri-o.ContainerType"}) == "sandbox";
  return true;
}

}  // namespace se
