// SPDX-License-Identifier: Apache-2.0
#include "pki.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace fakekube {

namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Free {
  void operator()(X509* c) const { X509_free(c); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

void check(bool ok, const char* what) {
  if (!ok) {
    throw std::runtime_error(std::string("fakekube pki: ") + what + " failed");
  }
}

PkeyPtr new_key() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  check(key != nullptr, "EC key generation");
  return key;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  check(ext != nullptr, "certificate extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

std::string pem_of(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

std::string pem_of(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

// Signs a new certificate for `key` with `issuer_key` (itself for the CA).
X509Ptr make_cert(
    EVP_PKEY* key, const CertOptions& o, long serial, X509* issuer, EVP_PKEY* issuer_key, bool ca) {
  X509Ptr cert(X509_new());
  check(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), o.valid_from_s);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), o.valid_to_s);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  for (const auto& org : o.organizations) {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(org.c_str()), -1, -1, 0);
  }
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(o.common_name.c_str()), -1, -1,
                             0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  if (ca) {
    add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
    add_ext(cert.get(), signer, NID_subject_key_identifier, "hash");
  } else {
    add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(cert.get(), signer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    add_ext(cert.get(), signer, NID_ext_key_usage, o.server ? "serverAuth" : "clientAuth");
    add_ext(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
    std::string san;
    for (const auto& d : o.dns_names) {
      san += (san.empty() ? "" : ",") + std::string("DNS:") + d;
    }
    for (const auto& ip : o.ip_addresses) {
      san += (san.empty() ? "" : ",") + std::string("IP:") + ip;
    }
    if (!san.empty()) {
      add_ext(cert.get(), signer, NID_subject_alt_name, san);
    }
  }
  check(X509_sign(cert.get(), issuer_key, EVP_sha256()) > 0, "X509_sign");
  return cert;
}

}  // namespace

struct Pki::Keys {
  PkeyPtr ca_key;
  X509Ptr ca_cert;
};

Pki::Pki(const std::string& ca_name) : m_keys(std::make_unique<Keys>()) {
  m_keys->ca_key = new_key();
  CertOptions o;
  o.common_name = ca_name;
  o.valid_to_s = 10L * 365 * 24 * 3600;
  m_keys->ca_cert =
      make_cert(m_keys->ca_key.get(), o, m_serial++, nullptr, m_keys->ca_key.get(), true);
  m_ca = {pem_of(m_keys->ca_cert.get()), pem_of(m_keys->ca_key.get())};
}

Pki::~Pki() = default;

CertKey Pki::issue(const CertOptions& options) {
  PkeyPtr key = new_key();
  X509Ptr cert =
      make_cert(key.get(), options, m_serial++, m_keys->ca_cert.get(), m_keys->ca_key.get(), false);
  return {pem_of(cert.get()), pem_of(key.get())};
}

}  // namespace fakekube
