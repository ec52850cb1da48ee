// Writes the JSON documents of pt, ps and frames for the fork and copy-on-write
// snapshots (format_fixtures.h) into the directory argv[1], for
// scripts/check_inspect_json.py to check against docs/pt-json-schema.json.
#include <fstream>
#include <iostream>
#include <string>

#include "frontend/format/format.h"
#include "tests/unit/format_fixtures.h"

using namespace forkscope;

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: format_json_samples DIR\n";
        return 2;
    }
    const std::string dir = argv[1];
    const KernelSnapshot fork = testing::fork_snapshot(), cow = testing::cow_snapshot();
    format::PtOptions all;
    all.kernel = true;
    auto write = [&](const std::string& name, const std::string& text) {
        std::ofstream(dir + "/" + name) << text;
    };
    write("pt-fork.json", format::pt_json(fork, std::nullopt, all).value());
    write("pt-cow-pid2.json", format::pt_json(cow, 2, {}).value());
    write("ps-fork.json", format::ps_json(fork));
    write("frames-cow.json", format::frames_json(cow));
    return 0;
}
