# bash completion for convtool(1), installed as
# share/bash-completion/completions/convtool (loaded on demand by
# bash-completion; `source` it by hand otherwise).
#
# Commands and options are read from `convtool --help` and `convtool COMMAND
# --help`, so an option added to the program completes without a change here;
# only the values of options are listed below. Kernel and net names come from
# `convtool kernels` and `convtool shape --list-nets`.

# Prints "option takes-arg metavar" lines for one command (or the top level).
_convtool_options()
{
    local ct=$1 cmd=$2 line spec clause pending meta opt
    "$ct" $cmd --help 2>/dev/null | while IFS= read -r line; do
        # The option column: "  -k, --kernel SPEC   text" up to two spaces.
        [[ $line =~ ^\ {2,6}(-[^\ ].*)$ ]] || continue
        spec=${BASH_REMATCH[1]%%  *}
        pending=()
        while [[ -n $spec ]]; do
            clause=${spec%%, -*}
            [[ $clause == "$spec" ]] && spec="" || spec=-${spec#*, -}
            opt=${clause%% *}
            meta=""
            [[ $clause == *" "* ]] && meta=${clause#* }
            pending+=("$opt")
            # A short option shares the argument of the long one after it.
            if [[ -n $meta || $opt == --* ]]; then
                for opt in "${pending[@]}"; do
                    [[ $opt =~ ^--?[A-Za-z0-9][A-Za-z0-9-]*$ ]] &&
                        printf '%s %s %s\n' "$opt" "${meta:+1}" "$meta"
                done
                pending=()
            fi
        done
        for opt in "${pending[@]}"; do printf '%s\n' "$opt"; done
    done
}

# The commands listed by `convtool --help`.
_convtool_commands()
{
    "$1" --help 2>/dev/null | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'
}

# The first column of a listing command (kernel names, net names).
_convtool_names()
{
    "$@" 2>/dev/null | awk '/^[A-Za-z0-9_]/ {print $1}'
}

_convtool_files()
{
    compopt -o filenames 2>/dev/null
    COMPREPLY+=($(compgen -f -- "$1"))
}

_convtool_dirs()
{
    compopt -o filenames 2>/dev/null
    COMPREPLY+=($(compgen -d -- "$1"))
}

# The --kernels-dir given earlier on the line, for the names it adds.
_convtool_kernels_dir()
{
    local i
    for ((i = 1; i < COMP_CWORD; i++)); do
        if [[ ${COMP_WORDS[i]} == --kernels-dir && $((i + 1)) -lt $COMP_CWORD ]]; then
            printf '%s' "${COMP_WORDS[i + 1]}"
            return
        fi
    done
}

_convtool_kernel_specs()
{
    local ct=$1 cur=$2 dir
    dir=$(_convtool_kernels_dir)
    if [[ $cur != */* && $cur != .* ]]; then
        COMPREPLY+=($(compgen -W "$(_convtool_names "$ct" kernels ${dir:+--kernels-dir "$dir"})" \
            -- "$cur"))
    fi
    [[ -n $cur ]] && _convtool_files "$cur"
}

# Completes the value of option $3 (metavar $4) of command $2.
_convtool_value()
{
    local ct=$1 cmd=$2 opt=$3 meta=$4 cur=$5
    case $opt in
    -k | --kernel) _convtool_kernel_specs "$ct" "$cur" ;;
    -m | --pad-mode)
        COMPREPLY=($(compgen -W "zeros replicate reflect symmetric circular" -- "$cur"))
        ;;
    -p | --padding) COMPREPLY=($(compgen -W "same valid" -- "$cur")) ;;
    --map) COMPREPLY=($(compgen -W "clamp abs shift normalize" -- "$cur")) ;;
    --method) COMPREPLY=($(compgen -W "auto direct separable fft" -- "$cur")) ;;
    --combine) COMPREPLY=($(compgen -W "separate magnitude max sum stack" -- "$cur")) ;;
    --alpha) COMPREPLY=($(compgen -W "keep filter drop" -- "$cur")) ;;
    --depth) COMPREPLY=($(compgen -W "8 16" -- "$cur")) ;;
    --sampling) COMPREPLY=($(compgen -W "444 422 420" -- "$cur")) ;;
    -f | --format) COMPREPLY=($(compgen -W "png jpg bmp tga hdr npy" -- "$cur")) ;;
    --as) COMPREPLY=($(compgen -W "convtool imagemagick vips npy" -- "$cur")) ;;
    --net)
        COMPREPLY=($(compgen -W "$(_convtool_names "$ct" shape --list-nets)" -- "$cur"))
        [[ -n $cur ]] && _convtool_files "$cur"
        ;;
    *)
        case $meta in
        FILE* | *FILE) _convtool_files "$cur" ;;
        DIR*) _convtool_dirs "$cur" ;;
        esac
        ;;
    esac
}

_convtool()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev="" ct=${COMP_WORDS[0]} cmd="" i word
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    COMPREPLY=()
    # --opt=value: bash splits it at '=' (COMP_WORDBREAKS).
    if [[ $cur == = ]]; then
        cur=""
    elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    fi
    ct=${ct/#\~/$HOME}
    command -v "$ct" >/dev/null 2>&1 || ct=convtool

    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        [[ $word == -* ]] && continue
        cmd=$word
        break
    done
    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "$(_convtool_commands "$ct") --help --version" -- "$cur"))
        return
    fi

    local opts opt takes meta after_dashdash=0
    opts=$(_convtool_options "$ct" "$cmd")
    for ((i = i + 1; i < COMP_CWORD; i++)); do
        [[ ${COMP_WORDS[i]} == -- ]] && after_dashdash=1
    done
    if ((!after_dashdash)); then
        while read -r opt takes meta; do
            if [[ $opt == "$prev" && $takes == 1 ]]; then
                _convtool_value "$ct" "$cmd" "$opt" "$meta" "$cur"
                return
            fi
        done <<<"$opts"
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$(awk '{print $1}' <<<"$opts")" -- "$cur"))
            return
        fi
    fi

    case $cmd in
    kernels)
        local sub="" j
        for ((j = 1; j < COMP_CWORD; j++)); do
            [[ ${COMP_WORDS[j]} == show || ${COMP_WORDS[j]} == list ]] && sub=${COMP_WORDS[j]}
        done
        case $sub in
        "") COMPREPLY=($(compgen -W "list show" -- "$cur")) ;;
        show) _convtool_kernel_specs "$ct" "$cur" ;;
        esac
        ;;
    *) _convtool_files "$cur" ;;
    esac
}

complete -F _convtool convtool
