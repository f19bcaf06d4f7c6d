# bash completion for egovctl(1): commands, options, kinds, files
_egovctl()
{
    local cur prev words cword
    _init_completion 2>/dev/null || {
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD-1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    }

    case $prev in
        --kind)
            COMPREPLY=($(compgen -W 'ban block' -- "$cur"))
            return ;;
        --token-file|import)
            COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
        --url|--ttl|--reason|--timeout)
            return ;;
    esac

    local w command=
    for w in "${words[@]:1:cword-1}"; do
        case $w in
            ban|unban|list|status|import|stats) command=$w; break ;;
        esac
    done

    local global='--url --token-file --timeout --json --help --version'
    case $command in
        '')     COMPREPLY=($(compgen -W "ban unban list status import stats $global" -- "$cur")) ;;
        ban)    COMPREPLY=($(compgen -W '--kind --ttl --reason --force --json --help' -- "$cur")) ;;
        unban)  COMPREPLY=($(compgen -W '--kind --json --help' -- "$cur")) ;;
        list)   COMPREPLY=($(compgen -W '--kind --json --help' -- "$cur")) ;;
        import) COMPREPLY=($(compgen -W '--kind --ttl --reason --dry-run --force --json --help' -- "$cur")) ;;
        *)      COMPREPLY=($(compgen -W '--json --help' -- "$cur")) ;;
    esac
}
complete -F _egovctl egovctl
