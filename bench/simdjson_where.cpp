// The where-json row's simdjson anchor: what a batch job written on simdjson's On-Demand API
// does for `sluice where 'level == "error" and status >= 500'`: parse each line of a JSON
// Lines file, read two fields, print the lines that pass. Built by bench.py when
// libsimdjson-dev is installed (g++ -O3 -march=native); it measures the field scanner
// Sluice writes by hand (Sources/Sluice/Fields/FieldScanner.swift) against the library made
// for the job, on every line (no prefilter) and, with --prefilter, on the lines holding
// "error" (as Sluice's prefilter does).
#include <simdjson.h>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv) {
    bool prefilter = argc > 2 && std::strcmp(argv[1], "--prefilter") == 0;
    const char *path = argv[argc - 1];
    int fd = open(path, O_RDONLY);
    if (fd < 0) { perror(path); return 2; }
    simdjson::ondemand::parser parser;
    std::vector<char> buf(1 << 20), carry;
    std::string out;
    auto handle = [&](const char *p, size_t n) {
        if (prefilter && !memmem(p, n, "error", 5)) return;
        // The buffer holds SIMDJSON_PADDING readable bytes past every line (see the reserve
        // below), so lines are parsed where they are, with no copy.
        simdjson::padded_string_view view(p, n, n + simdjson::SIMDJSON_PADDING);
        auto doc = parser.iterate(view);
        if (doc.error()) return;
        std::string_view level;
        int64_t status = 0;
        simdjson::ondemand::object obj;
        if (doc.get_object().get(obj)) return;
        bool haveLevel = false, haveStatus = false;
        for (auto field : obj) {
            std::string_view key;
            if (field.unescaped_key().get(key)) return;
            if (key == "level") { if (field.value().get_string().get(level) == simdjson::SUCCESS) haveLevel = true; }
            else if (key == "status") { if (field.value().get_int64().get(status) == simdjson::SUCCESS) haveStatus = true; }
        }
        if (haveLevel && haveStatus && level == "error" && status >= 500) { out.append(p, n); out.push_back('\n'); }
        if (out.size() > (1 << 20)) { fwrite(out.data(), 1, out.size(), stdout); out.clear(); }
    };
    ssize_t got;
    while ((got = read(fd, buf.data(), buf.size())) > 0) {
        carry.reserve(carry.size() + got + simdjson::SIMDJSON_PADDING);
        carry.insert(carry.end(), buf.data(), buf.data() + got);
        size_t start = 0;
        const char *base = carry.data();
        while (const char *nl = (const char *)memchr(base + start, '\n', carry.size() - start)) {
            handle(base + start, nl - (base + start));
            start = nl - base + 1;
        }
        carry.erase(carry.begin(), carry.begin() + start);
    }
    carry.reserve(carry.size() + simdjson::SIMDJSON_PADDING);
    if (!carry.empty()) handle(carry.data(), carry.size());
    fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}
