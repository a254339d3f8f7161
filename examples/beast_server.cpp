// SPDX-License-Identifier: ISC
// beast_server: GET and POST /whoami protected by ajwt, on Boost.Beast (include/ajwt/http/beast.hpp).
// The same contract as examples/server.cpp in a few lines: 200 "hello USER\n" to a valid Authorization
// header bound to the request received, 401 "unauthorized\n" with WWW-Authenticate: JWT otherwise, the
// reason on stderr only. Run `beast_server --help` for the options.
//
// One thread per connection with Beast's synchronous calls keeps the example short; a real service would
// use Beast's asynchronous API, and call ajwt::http::verify_request the same way.
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdint>
#include <functional>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <CLI/CLI.hpp>

#include <ajwt/ajwt.hpp>
#include <ajwt/http/beast.hpp>

namespace {

namespace asio = boost::asio;
namespace bh = boost::beast::http;
using tcp = asio::ip::tcp;
using verifier_type = ajwt::verifier<ajwt::static_key_repository<>>;

void log_line(std::string line) {
  for (char& c : line)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  std::cerr << line << std::endl;
}

// Serves one connection until the client closes it (or stops keeping it alive).
void serve(tcp::socket socket, const verifier_type& verifier, const std::string& origin) {
  boost::beast::flat_buffer buffer;
  boost::system::error_code ec;
  for (;;) {
    bh::request<bh::string_body> req;
    bh::read(socket, buffer, req, ec);
    if (ec) return;
    bh::response<bh::string_body> res{bh::status::not_found, req.version()};
    res.keep_alive(req.keep_alive());
    res.body() = "not found\n";
    const auto target = std::string(req.target());
    const auto path = target.substr(0, target.find('?'));
    if (path == "/whoami" && (req.method() == bh::verb::get || req.method() == bh::verb::post)) {
      const auto r = ajwt::http::verify_request(verifier, req, origin);
      if (!r) {
        log_line("rejected " + std::string(ajwt::to_string(r.reason())) + ": " + r.detail());
        res = ajwt::http::unauthorized_response(req, verifier.options().scheme);
      } else {
        log_line("accepted " + r->username());
        res.result(bh::status::ok);
        res.body() = "hello " + r->username() + "\n";
      }
    }
    res.set(bh::field::content_type, "text/plain");
    res.prepare_payload();
    bh::write(socket, res, ec);
    if (ec || !req.keep_alive()) return;
  }
}

int run(int argc, char** argv) {
  CLI::App app{
      "GET and POST /whoami protected by ajwt on Boost.Beast: 200 \"hello USER\" for a valid "
      "Authorization header bound to the request, 401 otherwise (the reason goes to stderr).",
      "beast_server"};
  int port = 0;
  std::vector<std::string> authorized_keys;
  std::string origin;
  std::int64_t tolerance = 20;
  app.add_option("--port", port, "TCP port on 127.0.0.1; 0 picks a free one (printed on stdout)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--authorized-keys", authorized_keys,
                 "\"USERNAME KEYTYPE BASE64 [COMMENT]\" lines; repeatable")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--origin", origin, "scheme://host[:port] clients call (default http://127.0.0.1:PORT)");
  app.add_option("--tolerance", tolerance, "seconds between a token's time and the clock")
      ->check(CLI::Range(0, 600));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help: 0; any other parse error is a usage error
  }

  ajwt::static_key_repository<> keys;
  try {
    for (const auto& file : authorized_keys) keys.add_authorized_keys_file(file);
  } catch (const ajwt::error& e) {
    std::cerr << "beast_server: " << e.what() << '\n';
    return 2;
  }
  ajwt::verifier_options options;
  options.tolerance = tolerance;
  options.require_binding = true;
  // The nonce store keeps nonces at least as long as the verifier's window.
  const verifier_type verifier(
      keys, options,
      ajwt::memory_nonce_store(ajwt::memory_nonce_store_options{std::max<std::int64_t>(tolerance, 60)}));

  asio::io_context io;
  tcp::acceptor acceptor(io);
  boost::system::error_code ec;
  const tcp::endpoint where(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
  acceptor.open(where.protocol(), ec);
  if (!ec) acceptor.bind(where, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::cerr << "beast_server: cannot listen on 127.0.0.1:" << port << ": " << ec.message() << '\n';
    return 1;
  }
  port = acceptor.local_endpoint().port();
  if (origin.empty()) origin = "http://127.0.0.1:" + std::to_string(port);
  std::cout << "listening on http://127.0.0.1:" << port << std::endl;

  // SIGTERM/SIGINT: stop accepting, let the connections being served finish, exit 0.
  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code&, int) { acceptor.close(); });
  std::vector<std::thread> connections;
  std::function<void()> accept = [&] {
    acceptor.async_accept([&](const boost::system::error_code& error, tcp::socket socket) {
      if (error) return;  // closed by the signal handler
      connections.emplace_back(serve, std::move(socket), std::cref(verifier), std::cref(origin));
      accept();
    });
  };
  accept();
  io.run();
  for (auto& t : connections) t.join();
  std::cerr << "beast_server: stopped\n";
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {  // not expected: out of memory, no thread could be started...
    std::cerr << "beast_server: " << e.what() << '\n';
    return 1;
  }
}
