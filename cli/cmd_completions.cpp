// provlock completions bash|zsh|fish [-o FILE]: prints a shell completion
// script made from the CLI11 definitions of every command, so the scripts
// cannot drift from the code. Hidden from --help: the build runs it (see
// CMakeLists.txt) and installs what it prints.
//
// Each generator walks one model of the command line (Node below) and writes
// the shell's own idiom: a case table and a COMPREPLY function for bash,
// _arguments specs for zsh, `complete` lines for fish. Values only the store
// knows (device MACs, open windows, bans) are asked of provlock itself at
// completion time with `list --json`, `window list --json` and
// `ban list --json`: read-only commands, with their stderr dropped.
#include <algorithm>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "lib/error.hpp"

namespace provlock::cli {

namespace {

// Where the values of an option or positional come from.
enum class Values { none, directories, files, choices, devices, windows, bans, commands };

struct Flag {
  std::vector<std::string> names;  // "-h", "--help"
  std::string help;
  bool takes_value = false;
  std::string value_name;  // "DIR"
  Values values = Values::none;
  std::vector<std::string> choices;
};

struct Positional {
  std::string name;  // "MAC"
  bool required = false;
  bool repeats = false;
  Values values = Values::none;
};

struct Node {
  std::vector<std::string> path;  // {} for provlock itself, {"window", "open"}
  std::string help;
  std::vector<Flag> flags;  // its own; the root's globals apply everywhere
  std::vector<Positional> positionals;
  std::vector<Node> commands;

  std::string joined(char sep) const {
    std::string out;
    for (const auto& p : path) out += (out.empty() ? "" : std::string(1, sep)) + p;
    return out;
  }
};

// The positionals whose values the store holds. A MAC names a registered
// device everywhere but in `add`, which registers new ones.
Values positional_values(const std::vector<std::string>& path, const std::string& name) {
  const std::string where = path.empty() ? "" : path.front();
  if (path == std::vector<std::string>{"window", "close"}) return Values::windows;
  if (path == std::vector<std::string>{"ban", "remove"}) return Values::bans;
  if (where == "help") return Values::commands;
  if ((name == "MAC" && where != "add") || (where == "log" && name == "SUBJECT"))
    return Values::devices;
  return Values::none;
}

// CLI11 shows a validator's allowed values as "TEXT:{a,b,c}".
std::vector<std::string> choices_of(const std::string& type_name) {
  std::vector<std::string> out;
  const auto open = type_name.find(":{");
  const auto close = type_name.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open) return out;
  std::stringstream list(type_name.substr(open + 2, close - open - 2));
  for (std::string item; std::getline(list, item, ',');) out.push_back(item);
  return out;
}

bool hidden(const CLI::App* app) {
  return app->get_group().empty();
}

Node model(CLI::App& app, std::vector<std::string> path) {
  Node node;
  node.path = path;
  node.help = app.get_description();
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_group().empty()) continue;  // hidden
    if (!opt->nonpositional()) {
      node.positionals.push_back(
          {opt->get_name(true), opt->get_required(),
           opt->get_items_expected_max() >= CLI::detail::expected_max_vector_size,
           positional_values(path, opt->get_name(true))});
      continue;
    }
    Flag flag;
    for (const auto& s : opt->get_snames()) flag.names.push_back("-" + s);
    for (const auto& l : opt->get_lnames()) flag.names.push_back("--" + l);
    flag.help = opt->get_description();
    flag.takes_value = opt->get_expected_max() != 0;
    if (flag.takes_value) {
      const std::string type = opt->get_type_name();
      flag.value_name = type.substr(0, type.find(':'));
      flag.choices = choices_of(type);
      flag.values = !flag.choices.empty()       ? Values::choices
                    : flag.value_name == "DIR"  ? Values::directories
                    : flag.value_name == "FILE" ? Values::files
                                                : Values::none;
    }
    node.flags.push_back(flag);
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App* a) { return !hidden(a); })) {
    std::vector<std::string> sub_path = path;
    sub_path.push_back(sub->get_name());
    node.commands.push_back(model(*sub, sub_path));
  }
  return node;
}

// The root's flags that every command accepts too (CLI11 falls through to the
// root): not its --help and --version.
std::vector<Flag> globals_of(const Node& root) {
  std::vector<Flag> out;
  for (const Flag& f : root.flags)
    if (f.names.back() != "--help" && f.names.back() != "--version") out.push_back(f);
  return out;
}

void each_node(const Node& n, const std::function<void(const Node&)>& visit) {
  visit(n);
  for (const Node& c : n.commands) each_node(c, visit);
}

std::string join(const std::vector<std::string>& items, const std::string& sep = " ") {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

const char* query_name(Values v) {
  switch (v) {
    case Values::devices:
      return "devices";
    case Values::windows:
      return "windows";
    case Values::bans:
      return "bans";
    default:
      return "";
  }
}

constexpr const char* kHeader =
    "provlock(1) completion for %s. Generated by `provlock completions %s` from\n"
    "# the command definitions; do not edit: rebuild provlock instead.\n";

std::string header(const std::string& shell) {
  std::string text = kHeader;
  for (int i = 0; i < 2; ++i) text.replace(text.find("%s"), 2, shell);
  return text;
}

// ---- bash ------------------------------------------------------------------

std::string bash_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string bash_script(const Node& root) {
  const std::vector<Flag> globals = globals_of(root);
  std::ostringstream o;
  o << "# " << header("bash") << R"SH(
# Prints the values the store holds for $1 (devices, windows or bans), asking
# the provlock being completed, with any --store and --config already typed.
_provlock_query() {
  local prog=${COMP_WORDS[0]} key=ip i w
  [[ $prog == "~/"* ]] && prog=$HOME/${prog#"~/"}
  local -a args=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    case $w in
      --store | --config)
        if [[ ${COMP_WORDS[i + 1]} == = ]]; then
          args+=("$w=${COMP_WORDS[i + 2]}")
        else
          args+=("$w=${COMP_WORDS[i + 1]}")
        fi
        ;;
      --store=* | --config=*) args+=("$w") ;;
    esac
  done
  case $1 in
    devices) args+=(list --json) key=mac ;;
    windows) args+=(window list --json) ;;
    bans) args+=(ban list --json) ;;
    *) return ;;
  esac
  local -a run=()
  command -v timeout >/dev/null && run=(timeout 3)
  "${run[@]}" "$prog" "${args[@]}" 2>/dev/null </dev/null |
    sed -n 's/.*"'"$key"'":"\([^"]*\)".*/\1/p'
}

)SH";

  // Tables: commands, flags, options that take a value, their values, positionals.
  o << "# The commands beneath a command path (\"\" is provlock itself).\n"
       "_provlock_commands() {\n  case $1 in\n";
  each_node(root, [&](const Node& n) {
    if (n.commands.empty()) return;
    std::vector<std::string> names;
    for (const Node& c : n.commands) names.push_back(c.path.back());
    o << "    " << bash_quote(n.joined(' ')) << ") echo " << bash_quote(join(names)) << " ;;\n";
  });
  o << "  esac\n}\n\n";

  std::vector<std::string> global_names;
  for (const Flag& f : globals)
    for (const auto& name : f.names) global_names.push_back(name);
  o << "# The flags of a command path, and the global ones.\n"
       "_provlock_flags() {\n  case $1 in\n";
  each_node(root, [&](const Node& n) {
    std::vector<std::string> names;
    for (const Flag& f : n.flags)
      for (const auto& name : f.names)
        if (std::find(global_names.begin(), global_names.end(), name) == global_names.end())
          names.push_back(name);
    o << "    " << bash_quote(n.joined(' ')) << ") echo " << bash_quote(join(names)) << " ;;\n";
  });
  o << "  esac\n  echo " << bash_quote(join(global_names)) << "\n}\n\n";

  o << "# How the value of option $2 at command path $1 completes; fails for a flag\n"
       "# that takes no value.\n"
       "_provlock_value() {\n  case \"$1|$2\" in\n";
  auto value_case = [&](const std::string& pattern, const Flag& f) {
    std::vector<std::string> pats;
    for (const auto& name : f.names) pats.push_back(bash_quote(pattern + "|" + name));
    o << "    " << join(pats, " | ") << ") echo ";
    switch (f.values) {
      case Values::directories:
        o << "dirs";
        break;
      case Values::files:
        o << "files";
        break;
      case Values::choices:
        o << bash_quote("words " + join(f.choices));
        break;
      default:
        o << "none";
    }
    o << " ;;\n";
  };
  each_node(root, [&](const Node& n) {
    for (const Flag& f : n.flags)
      if (f.takes_value && !n.path.empty()) value_case(n.joined(' '), f);
  });
  for (const Flag& f : globals)
    if (f.takes_value) {
      std::vector<std::string> pats;
      for (const auto& name : f.names) pats.push_back("*" + bash_quote("|" + name));
      o << "    " << join(pats, " | ") << ") echo "
        << (f.values == Values::directories ? "dirs"
            : f.values == Values::files     ? "files"
                                            : "none")
        << " ;;\n";
    }
  o << "    *) return 1 ;;\n  esac\n}\n\n";

  o << "# What the positional argument number $2 (from 0) of command path $1 holds.\n"
       "_provlock_positional() {\n  case \"$1|$2\" in\n";
  each_node(root, [&](const Node& n) {
    for (std::size_t i = 0; i < n.positionals.size(); ++i) {
      const Positional& p = n.positionals[i];
      const char* what = p.values == Values::commands ? "commands"
                         : p.values == Values::none   ? "none"
                                                      : query_name(p.values);
      o << "    " << bash_quote(n.joined(' ') + "|" + std::to_string(i))
        << (p.repeats ? "|" + bash_quote(n.joined(' ') + "|") + "*" : "") << ") echo " << what
        << " ;;\n";
    }
  });
  o << "  esac\n}\n";

  o << R"SH(
_provlock() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev= path= npos=0 i w
  ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
  COMPREPLY=()
  # The command path and the positionals typed before the cursor. "--opt=x"
  # may come as "--opt" "=" "x" when '=' breaks words.
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    if [[ $w == -?* ]]; then
      if [[ $w != *=* ]] && _provlock_value "$path" "$w" >/dev/null; then
        ((i++))
        [[ ${COMP_WORDS[i]} == = ]] && ((i++))
      fi
    elif ((npos == 0)) && [[ " $(_provlock_commands "$path") " == *" $w "* ]]; then
      path=${path:+$path }$w
    else
      ((npos++))
    fi
  done

  # The value of an option?
  local opt= val=$cur pre=
  if [[ $cur == = ]] && ((COMP_CWORD >= 2)); then
    opt=$prev val=
  elif [[ $prev == = ]] && ((COMP_CWORD >= 3)); then
    opt=${COMP_WORDS[COMP_CWORD - 2]}
  elif [[ $cur == --*=* ]]; then
    opt=${cur%%=*} val=${cur#*=} pre=$opt=
  elif [[ $prev == -?* ]]; then
    opt=$prev
  fi
  local how
  if [[ -n $opt ]] && how=$(_provlock_value "$path" "$opt"); then
    case $how in
      dirs) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$val")) ;;
      files) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$val")) ;;
      words\ *) COMPREPLY=($(compgen -W "${how#words }" -- "$val")) ;;
    esac
    [[ -n $pre ]] && COMPREPLY=("${COMPREPLY[@]/#/$pre}")
    return 0
  fi

  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(_provlock_flags "$path")" -- "$cur"))
    return 0
  fi
  local commands
  commands=$(_provlock_commands "$path")
  if [[ -n $commands ]] && ((npos == 0)); then
    COMPREPLY=($(compgen -W "$commands" -- "$cur"))
    return 0
  fi
  case $(_provlock_positional "$path" "$npos") in
    commands) COMPREPLY=($(compgen -W "$(_provlock_commands '')" -- "$cur")) ;;
    devices) COMPREPLY=($(compgen -W "$(_provlock_query devices)" -- "$cur")) ;;
    windows) COMPREPLY=($(compgen -W "$(_provlock_query windows)" -- "$cur")) ;;
    bans) COMPREPLY=($(compgen -W "$(_provlock_query bans)" -- "$cur")) ;;
    none) ;; # an address, a time: only the operator knows
    *) COMPREPLY=($(compgen -W "$(_provlock_flags "$path")" -- "$cur")) ;;
  esac
  return 0
}
complete -F _provlock provlock
)SH";
  return o.str();
}

// ---- zsh -------------------------------------------------------------------

// A word for _arguments, single-quoted: the description in [...] and the
// message after ':' have their own escapes.
std::string zsh_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Escapes `specials` (and the backslash) with a backslash: '[' and ']' in an
// option's description, ':' in a message.
std::string zsh_escape(const std::string& s, const std::string& specials) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || specials.find(c) != std::string::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string zsh_action(Values v, const std::vector<std::string>& choices) {
  switch (v) {
    case Values::directories:
      return "_files -/";
    case Values::files:
      return "_files";
    case Values::choices:
      return "(" + join(choices) + ")";
    case Values::devices:
      return "_provlock_devices";
    case Values::windows:
      return "_provlock_windows";
    case Values::bans:
      return "_provlock_bans";
    case Values::commands:
      return "_provlock_commands";
    case Values::none:
      break;
  }
  return " ";
}

std::string zsh_flag_specs(const Flag& f) {
  std::string desc = "[" + zsh_escape(f.help, "[]") + "]";
  std::string value;
  if (f.takes_value)
    value = ":" + zsh_escape(f.value_name, ":") + ":" + zsh_action(f.values, f.choices);
  const bool help = f.names.back() == "--help" || f.names.back() == "--version";
  if (f.names.size() == 1)
    return zsh_quote((help ? "(- *)" : "") + f.names[0] + (f.takes_value ? "=" : "") + desc +
                     value);
  std::string out =
      zsh_quote((help ? "(- * " : "(") + join(f.names) + ")") + "{" + join(f.names, ",") + "}";
  return out + zsh_quote((f.takes_value ? "=" : "") + desc + value);
}

std::string zsh_function(const Node& n) {
  return n.path.empty() ? "_provlock" : "_provlock_" + n.joined('_');
}

void zsh_node(std::ostream& o, const Node& n) {
  for (const Node& c : n.commands) zsh_node(o, c);
  o << "\n" << zsh_function(n) << "() {\n";
  if (n.path.empty())
    o << "  # The whole line, for _provlock_query: nested commands shift $words.\n"
         "  local -a _provlock_line\n  _provlock_line=(\"${words[@]}\")\n";
  o << "  local curcontext=$curcontext state state_descr line ret=1\n"
       "  typeset -A opt_args\n"
       "  _arguments -s -S"
    << (n.commands.empty() ? "" : " -C") << " \\\n    $_provlock_globals";
  for (const Flag& f : n.flags) {
    if (n.path.empty() && f.names.back() != "--help" && f.names.back() != "--version") continue;
    o << " \\\n    " << zsh_flag_specs(f);
  }
  if (!n.commands.empty()) {
    o << " \\\n    ': :->command' \\\n    '*:: :->args' && ret=0\n"
      << "  case $state in\n    command)\n      local -a commands\n      commands=(";
    for (const Node& c : n.commands) o << "\n        " << zsh_quote(c.path.back() + ":" + c.help);
    o << "\n      )\n      _describe -t commands "
      << zsh_quote((n.path.empty() ? "provlock" : n.joined(' ')) + " command")
      << " commands && ret=0\n      ;;\n    args)\n"
      << "      curcontext=${curcontext%:*:*}:provlock-"
      << (n.path.empty() ? "" : n.joined('-') + "-") << "$words[1]:\n      case $words[1] in\n";
    for (const Node& c : n.commands)
      o << "        " << zsh_quote(c.path.back()) << ") " << zsh_function(c) << " && ret=0 ;;\n";
    o << "      esac\n      ;;\n  esac\n  return ret\n}\n";
    return;
  }
  for (const Positional& p : n.positionals) {
    std::string spec = p.repeats ? "*:" : p.required ? ":" : "::";
    o << " \\\n    " << zsh_quote(spec + zsh_escape(p.name, ":") + ":" + zsh_action(p.values, {}));
  }
  o << " && ret=0\n  return ret\n}\n";
}

std::string zsh_script(const Node& root) {
  std::ostringstream o;
  o << "#compdef provlock\n# " << header("zsh") << R"SH(
# Prints the values the store holds for $1 (devices, windows or bans), asking
# the provlock being completed, with any --store and --config already typed.
_provlock_query() {
  local -a args
  local key=ip i
  for ((i = 2; i < $#_provlock_line; i++)); do
    case $_provlock_line[i] in
      --store | --config) args+=("$_provlock_line[i]=${(Q)_provlock_line[i + 1]}") ;;
      --store=* | --config=*) args+=("${(Q)_provlock_line[i]}") ;;
    esac
  done
  case $1 in
    devices) args+=(list --json) key=mac ;;
    windows) args+=(window list --json) ;;
    bans) args+=(ban list --json) ;;
  esac
  local prog=${(Q)_provlock_line[1]}
  [[ $prog == '~/'* ]] && prog=$HOME/${prog#'~/'}
  local -a run
  (( $+commands[timeout] )) && run=(timeout 3)
  $run $prog $args 2>/dev/null </dev/null |
    sed -n 's/.*"'$key'":"\([^"]*\)".*/\1/p'
}

_provlock_devices() {
  local -a values expl
  values=(${(f)"$(_provlock_query devices)"})
  _wanted devices expl 'device MAC' compadd -a values
}

_provlock_windows() {
  local -a values expl
  values=(${(f)"$(_provlock_query windows)"})
  _wanted windows expl 'window address or prefix' compadd -a values
}

_provlock_bans() {
  local -a values expl
  values=(${(f)"$(_provlock_query bans)"})
  _wanted bans expl 'banned address' compadd -a values
}

_provlock_commands() {
  local -a commands
  commands=()SH";
  for (const Node& c : root.commands) o << "\n    " << zsh_quote(c.path.back() + ":" + c.help);
  o << "\n  )\n  _describe -t commands 'provlock command' commands\n}\n\n";
  o << "# The root's options, which every command accepts as well.\n_provlock_globals=(";
  for (const Flag& f : globals_of(root)) o << "\n  " << zsh_flag_specs(f);
  o << "\n)\n";
  zsh_node(o, root);
  o << R"SH(
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _provlock "$@"
else
  compdef _provlock provlock
fi
)SH";
  return o.str();
}

// ---- fish ------------------------------------------------------------------

std::string fish_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string fish_script(const Node& root) {
  const std::vector<Flag> globals = globals_of(root);
  std::ostringstream o;
  o << "# " << header("fish");
  o << R"SH(
# The commands beneath a command path ("" is provlock itself).
function __provlock_commands -a path
    switch "$path"
)SH";
  each_node(root, [&](const Node& n) {
    if (n.commands.empty()) return;
    std::vector<std::string> names;
    for (const Node& c : n.commands) names.push_back(c.path.back());
    o << "        case " << fish_quote(n.joined(' ')) << "\n            printf '%s\\n' "
      << join(names) << "\n";
  });
  o << "    end\nend\n\n";

  o << "# Whether option $opt takes a value at command path $path.\n"
       "function __provlock_takes_value -a path opt\n    switch \"$path|$opt\"\n";
  std::vector<std::string> cases;
  for (const Flag& f : globals)
    if (f.takes_value)
      for (const auto& name : f.names) cases.push_back(fish_quote("*|" + name));
  each_node(root, [&](const Node& n) {
    if (n.path.empty()) return;
    for (const Flag& f : n.flags)
      if (f.takes_value)
        for (const auto& name : f.names) cases.push_back(fish_quote(n.joined(' ') + "|" + name));
  });
  o << "        case " << join(cases) << "\n            return 0\n    end\n    return 1\nend\n";

  o << R"SH(
# "<command path>|<positionals typed>" for the line before the cursor.
function __provlock_where
    set -l words (commandline -opc)
    set -l path ''
    set -l npos 0
    set -l skip 0
    for w in $words[2..-1]
        if test $skip = 1
            set skip 0
        else if string match -q -- '-?*' $w
            if not string match -q -- '*=*' $w; and __provlock_takes_value "$path" $w
                set skip 1
            end
        else if test $npos = 0; and contains -- $w (__provlock_commands "$path")
            set path (string trim -- "$path $w")
        else
            set npos (math $npos + 1)
        end
    end
    echo "$path|$npos"
end

# Whether the cursor is at command path $path; with $pos ("0", "1", "0+"),
# also at that positional.
function __provlock_at -a path pos
    set -l where (string split '|' -- (__provlock_where))
    test "$where[1]" = "$path"; or return 1
    switch "$pos"
        case ''
            return 0
        case '*+'
            test $where[2] -ge (string trim -c + -- $pos)
        case '*'
            test $where[2] = $pos
    end
end

# Prints the values the store holds for $what (devices, windows or bans),
# asking the provlock being completed, with any --store and --config typed.
function __provlock_query -a what
    set -l words (commandline -opc)
    set -l args
    for i in (seq 2 (count $words))
        switch $words[$i]
            case --store --config
                set -l next (math $i + 1)
                set -q words[$next]; and set -a args "$words[$i]=$words[$next]"
            case '--store=*' '--config=*'
                set -a args $words[$i]
        end
    end
    set -l key ip
    switch $what
        case devices
            set -a args list --json
            set key mac
        case windows
            set -a args window list --json
        case bans
            set -a args ban list --json
    end
    set -l run
    command -q timeout; and set run timeout 3
    $run $words[1] $args 2>/dev/null </dev/null | sed -n 's/.*"'$key'":"\([^"]*\)".*/\1/p'
end

complete -c provlock -f
)SH";

  auto flag_line = [&](const std::string& condition, const Flag& f) {
    o << "complete -c provlock";
    if (!condition.empty()) o << " -n " << fish_quote(condition);
    for (const auto& name : f.names)
      o << (name.starts_with("--") ? " -l " + name.substr(2) : " -s " + name.substr(1));
    if (f.takes_value) {
      switch (f.values) {
        case Values::directories:
          o << " -x -a '(__fish_complete_directories)'";
          break;
        case Values::files:
          o << " -r -F";
          break;
        case Values::choices:
          o << " -x -a " << fish_quote(join(f.choices));
          break;
        default:
          o << " -x";
      }
    }
    o << " -d " << fish_quote(f.help) << "\n";
  };
  o << "\n# Everywhere: the root's options.\n";
  for (const Flag& f : globals) flag_line("", f);
  each_node(root, [&](const Node& n) {
    const std::string at = "__provlock_at \"" + n.joined(' ') + "\"";
    o << "\n# " << (n.path.empty() ? "provlock" : "provlock " + n.joined(' ')) << "\n";
    for (const Node& c : n.commands)
      o << "complete -c provlock -n " << fish_quote(at + " 0") << " -a "
        << fish_quote(c.path.back()) << " -d " << fish_quote(c.help) << "\n";
    for (const Flag& f : n.flags) {
      const bool global =
          n.path.empty() && f.names.back() != "--help" && f.names.back() != "--version";
      if (!global) flag_line(at, f);
    }
    for (std::size_t i = 0; i < n.positionals.size(); ++i) {
      const Positional& p = n.positionals[i];
      if (p.values == Values::none) continue;
      const std::string source = p.values == Values::commands ? "(__provlock_commands \"\")"
                                                              : std::string("(__provlock_query ") +
                                                                    query_name(p.values) + ")";
      o << "complete -c provlock -n "
        << fish_quote(at + " " + std::to_string(i) + (p.repeats ? "+" : "")) << " -a "
        << fish_quote(source) << " -d " << fish_quote(p.name) << "\n";
    }
  });
  return o.str();
}

struct CompletionsOptions {
  std::string shell;
  std::string output;
};

}  // namespace

Runner setup_completions(CLI::App& sub) {
  auto opt = std::make_shared<CompletionsOptions>();
  sub.group("");  // hidden: the build runs it
  sub.add_option("SHELL", opt->shell, "bash, zsh or fish")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  sub.add_option("-o,--output", opt->output, "Write the script to FILE instead of stdout")
      ->type_name("FILE");
  return [opt, &sub](Context&) {
    CLI::App* root = &sub;
    while (root->get_parent()) root = root->get_parent();
    const Node tree = model(*root, {});
    const std::string script = opt->shell == "bash"  ? bash_script(tree)
                               : opt->shell == "zsh" ? zsh_script(tree)
                                                     : fish_script(tree);
    if (opt->output.empty()) {
      std::cout << script;
      return 0;
    }
    std::ofstream out(opt->output, std::ios::binary | std::ios::trunc);
    out << script;
    out.close();
    if (!out) throw Error(Exit::cant_create, "cannot write " + opt->output);
    return 0;
  };
}

}  // namespace provlock::cli
