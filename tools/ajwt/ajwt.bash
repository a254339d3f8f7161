# SPDX-License-Identifier: ISC
# bash completion for `ajwt` (installed into share/bash-completion/completions/ajwt).
# Subcommands and options are read from the tool's own --help (of the `ajwt` being completed, so they always
# match its version and any subcommand added later); option values from the {a,b,c} sets --help shows, the
# algorithm names, environment variable names for --passphrase-env, and file names where a file belongs.
# Needs only bash (not the bash-completion package).

# Prints one line per subcommand of `ajwt WORDS... --help`.
_ajwt_subcommands() {
  local line in_list=0
  while IFS= read -r line; do
    if [[ $line == "Subcommands:" ]]; then
      in_list=1
    elif ((in_list)); then
      [[ $line =~ ^\ \ ([a-z][a-z0-9-]*)( |$) ]] || break
      printf '%s\n' "${BASH_REMATCH[1]}"
    fi
  done < <("$@" --help 2>/dev/null)
}

# Prints "NAME<TAB>TYPE" for each option of `ajwt WORDS... --help`; TYPE is empty for a flag, else what
# --help shows after the name (e.g. FILE, VAR, TEXT:{rsa,ed25519,ec-p256}).
_ajwt_options() {
  local line names type name
  local option_re='^  (-[-A-Za-z0-9,]+)( ([^ ]+))?'
  local flag_re='^  -[-A-Za-z0-9,]+(  |$)'
  while IFS= read -r line; do
    [[ $line =~ $option_re ]] || continue
    names=${BASH_REMATCH[1]}
    type=${BASH_REMATCH[3]}
    if [[ $line =~ $flag_re || $type == Needs: || $type == Excludes: ]]; then
      type=
    fi
    for name in ${names//,/ }; do
      printf '%s\t%s\n' "$name" "$type"
    done
  done < <("$@" --help 2>/dev/null)
}

_ajwt() {
  local cur=${COMP_WORDS[COMP_CWORD]}
  local prog=${COMP_WORDS[0]}
  local -a path=("$prog")
  local i word skip=0 line opts=
  COMPREPLY=()

  # Walk the words before the cursor: each subcommand name descends one level; an option's value is skipped.
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    if ((skip)); then
      skip=0
      continue
    fi
    if [[ $word == -* ]]; then
      [[ $word == *=* ]] && continue
      while IFS=$'\t' read -r name type; do
        [[ $name == "$word" && -n $type ]] && skip=1
      done < <(_ajwt_options "${path[@]}")
    elif _ajwt_subcommands "${path[@]}" | grep -qxF -- "$word"; then
      path+=("$word")
    fi
  done

  # The value of the option before the cursor.
  local prev=${COMP_WORDS[COMP_CWORD - 1]} prev_type= after_equals=0
  # bash splits "--user-key alice=key" at the '=' (COMP_WORDBREAKS): the option is then three words back.
  if [[ $prev == = ]] && ((COMP_CWORD >= 3)); then
    prev=${COMP_WORDS[COMP_CWORD - 3]}
    after_equals=1
  fi
  if ((COMP_CWORD > 1)) && [[ $prev == -* ]]; then
    while IFS=$'\t' read -r name type; do
      [[ $name == "$prev" ]] && prev_type=$type
    done < <(_ajwt_options "${path[@]}")
  fi
  if [[ -n $prev_type ]]; then
    case $prev_type in
      *:\{*\})
        local set=${prev_type#*:\{}
        set=${set%\}}
        mapfile -t COMPREPLY < <(compgen -W "${set//,/ }" -- "$cur")
        ;;
      ALG)
        mapfile -t COMPREPLY < <(compgen -W "RS256 RS384 RS512 PS256 PS384 PS512 ES256 EdDSA" -- "$cur") ;;
      VAR)
        mapfile -t COMPREPLY < <(compgen -e -- "$cur") ;;
      *FILE* | KEYFILE)
        if [[ $cur == *=* ]]; then
          # USER=KEYFILE, USER=FILE|URL: complete the file after the '='.
          mapfile -t COMPREPLY < <(compgen -f -- "${cur#*=}")
          local user=${cur%%=*}
          COMPREPLY=("${COMPREPLY[@]/#/$user=}")
        elif ((after_equals)) || [[ $prev_type != *=* ]]; then
          mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        fi
        ;;
    esac
    return 0
  fi

  if [[ $cur == -* ]]; then
    while IFS=$'\t' read -r name type; do
      opts+=" $name"
    done < <(_ajwt_options "${path[@]}")
    mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
    return 0
  fi
  local subcommands
  subcommands=$(_ajwt_subcommands "${path[@]}")
  if [[ -n $subcommands ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$subcommands" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")  # positionals: key files
  fi
  return 0
}

complete -o filenames -o bashdefault -F _ajwt ajwt
