// Certificates for TLS tests, made with the openssl command: a CA, a second
// unrelated CA, a server certificate for 127.0.0.1/localhost, a client
// certificate from the CA and a "stranger" client certificate from the other
// CA; and, for agents on other addresses, a certificate per agent.
#pragma once

#include <cstdlib>
#include <fstream>
#include <string>

namespace topolab::testing {
namespace pki_detail {

inline const std::string kNewKey = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

// Runs `cmd` in `dir` (output to openssl.out); false with the command in `log`.
inline bool run(const std::string& dir, const std::string& cmd, std::string* log) {
  const std::string full = "cd '" + dir + "' && " + cmd + " >>openssl.out 2>&1";
  if (std::system(full.c_str()) == 0) return true;
  *log += "failed: " + cmd + "\n";
  return false;
}

// `name`.crt/.key signed by `ca`, with the section `ext` of `extfile`.
inline bool makeLeaf(const std::string& dir, const std::string& name, const std::string& ca,
                     const std::string& extfile, const std::string& ext, int serial,
                     std::string* log) {
  return run(dir,
             "openssl req -new" + kNewKey + " -keyout " + name + ".key -out " + name +
                 ".csr -subj '/CN=" + name + "' -config openssl.cnf",
             log) &&
         run(dir,
             "openssl x509 -req -in " + name + ".csr -CA " + ca + ".crt -CAkey " + ca +
                 ".key -set_serial " + std::to_string(serial) + " -out " + name +
                 ".crt -days 2 -extfile " + extfile + " -extensions " + ext,
             log);
}

}  // namespace pki_detail

// Writes ca, other-ca, server, client and stranger (.crt/.key) into `dir`;
// false with what failed in `log`.
inline bool makeTestPki(const std::string& dir, std::string* log) {
  std::ofstream(dir + "/openssl.cnf")
      << "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = unused\n"
         "[v3_ca]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n"
         "subjectKeyIdentifier = hash\n"
         "[server_ext]\nbasicConstraints = CA:FALSE\nkeyUsage = "
         "critical,digitalSignature,keyEncipherment\n"
         "extendedKeyUsage = serverAuth\nsubjectAltName = IP:127.0.0.1,DNS:localhost\n"
         "[client_ext]\nbasicConstraints = CA:FALSE\nkeyUsage = "
         "critical,digitalSignature,keyEncipherment\n"
         "extendedKeyUsage = clientAuth\n";
  auto makeCa = [&](const std::string& name) {
    return pki_detail::run(dir,
                           "openssl req -x509 -new" + pki_detail::kNewKey + " -keyout " + name +
                               ".key -out " + name + ".crt -days 2 -subj '/CN=TopoLab test " +
                               name + "' -config openssl.cnf -extensions v3_ca",
                           log);
  };
  auto makeLeaf = [&](const std::string& name, const std::string& ca, const std::string& ext,
                      int serial) {
    return pki_detail::makeLeaf(dir, name, ca, "openssl.cnf", ext, serial, log);
  };
  return makeCa("ca") && makeCa("other-ca") && makeLeaf("server", "ca", "server_ext", 2) &&
         makeLeaf("client", "ca", "client_ext", 3) &&
         makeLeaf("stranger", "other-ca", "client_ext", 4);
}

// Adds `name`.crt/.key from the CA makeTestPki wrote in `dir`: for an agent
// reached at `ip`, good to serve with and, under mutual TLS, to reach its
// peers with (agents use one identity for both). `serial` must be unused.
inline bool makeAgentCertificate(const std::string& dir, const std::string& name,
                                 const std::string& ip, int serial, std::string* log) {
  std::ofstream(dir + "/" + name + ".ext")
      << "[agent_ext]\nbasicConstraints = CA:FALSE\nkeyUsage = "
         "critical,digitalSignature,keyEncipherment\n"
         "extendedKeyUsage = serverAuth,clientAuth\nsubjectAltName = IP:"
      << ip << "\n";
  return pki_detail::makeLeaf(dir, name, "ca", name + ".ext", "agent_ext", serial, log);
}

}  // namespace topolab::testing
