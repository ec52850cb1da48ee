#include "emulator/debug/expression_tokens.h"

#include <cctype>
#include <cstring>

namespace forkscope {

namespace {

Error error(std::string message) { return make_error(ErrorKind::Usage, std::move(message)); }

}  // namespace

Result<std::vector<Token>> tokenize(std::string_view s) {
    static const char* const kPuncts[] = {"->", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "+", "-", "*", "/",
                                          "%", "&", "|", "^", "~", "!", "<", ">", "(", ")", "[", "]", ".", "@"};
    std::vector<Token> out;
    size_t i = 0;
    auto near = [&](size_t at) { return error("A syntax error in expression, near `" + std::string(s.substr(at)) + "'."); };
    while (true) {
        while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
        Token t;
        t.at = i;
        if (i == s.size()) {
            out.push_back(t);
            return out;
        }
        const char c = s[i];
        if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$') {
            const size_t start = i++;
            while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
            t.kind = c == '$' ? Tok::Register : Tok::Ident;
            t.text = std::string(s.substr(c == '$' ? start + 1 : start, i - start - (c == '$' ? 1 : 0)));
        } else if (std::isdigit(static_cast<unsigned char>(c))) {
            const size_t start = i;
            int base = 10;
            if (c == '0' && i + 1 < s.size() && (s[i + 1] == 'x' || s[i + 1] == 'X')) base = 16, i += 2;
            else if (c == '0') base = 8;
            uint64_t v = 0;
            bool digits = base != 16;
            while (i < s.size() && std::isxdigit(static_cast<unsigned char>(s[i]))) {
                const char d = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
                const int dv = std::isdigit(static_cast<unsigned char>(d)) ? d - '0' : d - 'a' + 10;
                if (dv >= base) return error("Invalid number \"" + std::string(s.substr(start, i - start + 1)) + "\".");
                v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(dv);
                digits = true;
                ++i;
            }
            while (i < s.size() && std::strchr("uUlL", s[i])) {
                if (s[i] == 'u' || s[i] == 'U') t.is_unsigned = true;
                else t.is_long = true;
                ++i;
            }
            if (!digits || (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')))
                return error("Invalid number \"" + std::string(s.substr(start, i - start + 1)) + "\".");
            t.kind = Tok::Number;
            t.number = v;
        } else if (c == '\'') {
            // 'a', '\n', '\0', '\x41', '\101'
            size_t j = i + 1;
            if (j >= s.size()) return error("Unmatched single quote.");
            uint64_t v = static_cast<unsigned char>(s[j]);
            if (s[j] == '\\' && j + 1 < s.size()) {
                const char e = s[++j];
                const char* simple = "n\nt\tr\ra\ab\bf\fv\v\\\\''\"\"";
                v = static_cast<unsigned char>(e);
                for (const char* p = simple; *p; p += 2)
                    if (*p == e) v = static_cast<unsigned char>(p[1]);
                if (e >= '0' && e <= '7') {
                    v = 0;
                    for (int k = 0; k < 3 && j < s.size() && s[j] >= '0' && s[j] <= '7'; ++k, ++j) v = v * 8 + static_cast<uint64_t>(s[j] - '0');
                    --j;
                } else if (e == 'x') {
                    v = 0;
                    while (j + 1 < s.size() && std::isxdigit(static_cast<unsigned char>(s[j + 1])))
                        v = v * 16 + std::stoul(std::string(1, s[++j]), nullptr, 16);
                }
            }
            if (j + 1 >= s.size() || s[j + 1] != '\'') return error("Unmatched single quote.");
            i = j + 2;
            t.kind = Tok::Char;
            t.number = v & 0xff;
        } else {
            for (const char* p : kPuncts) {
                if (s.substr(i).starts_with(p)) {
                    t.kind = Tok::Punct;
                    t.text = p;
                    i += std::strlen(p);
                    break;
                }
            }
            if (t.kind != Tok::Punct) return near(i);
        }
        out.push_back(std::move(t));
    }
}

}  // namespace forkscope
