// Certificates for TLS tests, made with the openssl command: a CA, a second
// unrelated CA, a server certificate for 127.0.0.1/localhost, a client
// certificate from the CA and a "stranger" client certificate from the other CA.
#pragma once

#include <cstdlib>
#include <fstream>
#include <string>

namespace topolab::testing {

// Writes ca, other-ca, server, client and stranger (.crt/.key) into `dir`;
// false with what failed in `log`.
inline bool makeTestPki(const std::string& dir, std::string* log) {
  std::ofstream(dir + "/openssl.cnf")
      << "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = unused\n"
         "[v3_ca]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n"
         "subjectKeyIdentifier = hash\n"
         "[server_ext]\nbasicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature,keyEncipherment\n"
         "extendedKeyUsage = serverAuth\nsubjectAltName = IP:127.0.0.1,DNS:localhost\n"
         "[client_ext]\nbasicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature,keyEncipherment\n"
         "extendedKeyUsage = clientAuth\n";
  const std::string newkey = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  auto run = [&](const std::string& cmd) {
    const std::string full = "cd '" + dir + "' && " + cmd + " >>openssl.out 2>&1";
    if (std::system(full.c_str()) == 0) return true;
    *log += "failed: " + cmd + "\n";
    return false;
  };
  auto makeCa = [&](const std::string& name) {
    return run("openssl req -x509 -new" + newkey + " -keyout " + name + ".key -out " + name +
               ".crt -days 2 -subj '/CN=TopoLab test " + name + "' -config openssl.cnf -extensions v3_ca");
  };
  auto makeLeaf = [&](const std::string& name, const std::string& ca, const std::string& ext, int serial) {
    return run("openssl req -new" + newkey + " -keyout " + name + ".key -out " + name + ".csr -subj '/CN=" +
               name + "' -config openssl.cnf") &&
           run("openssl x509 -req -in " + name + ".csr -CA " + ca + ".crt -CAkey " + ca + ".key -set_serial " +
               std::to_string(serial) + " -out " + name + ".crt -days 2 -extfile openssl.cnf -extensions " + ext);
  };
  return makeCa("ca") && makeCa("other-ca") && makeLeaf("server", "ca", "server_ext", 2) &&
         makeLeaf("client", "ca", "client_ext", 3) && makeLeaf("stranger", "other-ca", "client_ext", 4);
}

}  // namespace topolab::testing
