// SPDX-License-Identifier: Apache-2.0
// fakekube's certificates: a CA, a server certificate for 127.0.0.1 and
// localhost, and client certificates (CN = user, O = groups, as the API
// server reads them), all generated in memory at start with OpenSSL.
// EC P-256 keys: quick to generate, accepted by Go (kubectl) and libcurl.
#pragma once

#include <memory>
#include <string>
#include <vector>

using X509 = struct x509_st;
using EVP_PKEY = struct evp_pkey_st;

namespace fakekube {

struct CertKey {
  std::string cert_pem;
  std::string key_pem;  // PKCS#8 "PRIVATE KEY"
};

struct CertOptions {
  std::string common_name;
  std::vector<std::string> organizations;  // groups, for a client certificate
  std::vector<std::string> dns_names;      // subjectAltName, for a server
  std::vector<std::string> ip_addresses;
  bool server = false;
  long valid_from_s = -3600;  // seconds relative to now
  long valid_to_s = 365L * 24 * 3600;
};

class Pki {
 public:
  explicit Pki(const std::string& ca_name = "fakekube-ca");
  ~Pki();
  Pki(const Pki&) = delete;
  Pki& operator=(const Pki&) = delete;

  const std::string& ca_pem() const { return m_ca.cert_pem; }
  CertKey issue(const CertOptions& options);

 private:
  struct Keys;
  std::unique_ptr<Keys> m_keys;
  CertKey m_ca;
  long m_serial = 1;
};

}  // namespace fakekube
