#!/bin/bash
# cdk-sagemaker-egress: log pip in to an AWS CodeArtifact PyPI repository, and keep the login fresh.
# Written onto notebooks and Studio apps by the lifecycle scripts of CodeArtifactPypiMirror.configurePip().
#   start|login|schedule --domain D --domain-owner ACCOUNT --repository R --region REGION --pip-config FILE...
#     --state-dir DIR [--mode 600] [--max-age S] [--token-seconds 43200] [--scheduler auto|cron|loop]
#     [--cron-file F] [--check-every 300] [--aws PATH]
# start: log in now, then schedule; login: log in unless the last login is younger than --max-age;
# schedule: every --check-every seconds, run login with --max-age (cron when crond runs, else a loop).
# pip never falls back to the public index: the repository is the only index, and without any token
# the file says no-index. A failed refresh keeps the last good file (valid until its token expires).
set -euo pipefail

readonly CALLS_TIMEOUT=(--cli-connect-timeout 10 --cli-read-timeout 20)

log() { printf '%s codeartifact-pip-login: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
die() { log "$*"; exit 2; }

# Values end up in pip.conf and in a cron line: accept only the characters their formats allow.
check() { # name value regex
  [[ "$2" =~ $3 ]] || die "invalid $1: '$2'"
}

command=${1:-}
[ $# -gt 0 ] && shift
domain='' owner='' repository='' region='' mode=600 state_dir='' max_age=0 token_seconds=43200
scheduler=auto cron_file=/etc/cron.d/codeartifact-pip-login check_every=300 aws_cli=''
pip_configs=()
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || die "option $1 needs a value"
  case "$1" in
    --domain) domain=$2 ;;
    --domain-owner) owner=$2 ;;
    --repository) repository=$2 ;;
    --region) region=$2 ;;
    --pip-config) pip_configs+=("$2") ;;
    --mode) mode=$2 ;;
    --state-dir) state_dir=$2 ;;
    --max-age) max_age=$2 ;;
    --token-seconds) token_seconds=$2 ;;
    --scheduler) scheduler=$2 ;;
    --cron-file) cron_file=$2 ;;
    --check-every) check_every=$2 ;;
    --aws) aws_cli=$2 ;;
    *) die "unknown option $1" ;;
  esac
  shift 2
done

readonly PATH_RE='^/[A-Za-z0-9._/-]+$'
check domain "$domain" '^[a-z][a-z0-9-]{0,48}[a-z0-9]$'
check domain-owner "$owner" '^[0-9]{12}$'
check repository "$repository" '^[A-Za-z0-9][A-Za-z0-9._-]{1,99}$'
check region "$region" '^[a-z]{2,4}(-[a-z]+)+-[0-9]+$'
check mode "$mode" '^[0-7]{3}$'
check state-dir "$state_dir" "$PATH_RE"
check max-age "$max_age" '^[0-9]+$'
check token-seconds "$token_seconds" '^[0-9]+$'
[ "$token_seconds" -ge 900 ] && [ "$token_seconds" -le 43200 ] || die "--token-seconds must be 900 to 43200, got $token_seconds"
[ ${#pip_configs[@]} -gt 0 ] || die "give at least one --pip-config"
for file in "${pip_configs[@]}"; do check pip-config "$file" "$PATH_RE"; done
# The AWS CLI found now is the one scheduled runs use: cron's PATH is shorter than a lifecycle script's.
if [ -z "$aws_cli" ]; then aws_cli=$(command -v aws || true); fi
if [ -n "$aws_cli" ]; then check aws "$aws_cli" "$PATH_RE"; fi

stamp="$state_dir/last-login"

# Writes a pip configuration atomically (readers never see half a file) with the requested mode.
# Every step is checked: callers run it where `set -e` does not apply (in `if` and `||` lists).
write_config() { # file content
  local dir tmp
  dir=$(dirname "$1")
  mkdir -p "$dir" || return 1
  tmp=$(mktemp "$dir/.pip.conf.XXXXXX") || return 1
  if ! { printf '%s\n' "$2" >"$tmp" && chmod "$mode" "$tmp" && mv -f "$tmp" "$1"; }; then
    rm -f "$tmp"
    return 1
  fi
}

login() {
  mkdir -p "$state_dir" || return 1
  if [ "$max_age" -gt 0 ] && [ -f "$stamp" ]; then
    local last now all_present=1
    last=$(cat "$stamp")
    now=$(date +%s)
    for file in "${pip_configs[@]}"; do [ -f "$file" ] || all_present=0; done
    if [[ "$last" =~ ^[0-9]+$ ]] && [ "$all_present" -eq 1 ] && [ $((now - last)) -lt "$max_age" ]; then
      return 0
    fi
  fi

  local token endpoint
  if [ -z "$aws_cli" ]; then
    log "no AWS CLI found on the PATH"
    fail_closed
    return 1
  fi
  if ! token=$("$aws_cli" codeartifact get-authorization-token --domain "$domain" --domain-owner "$owner" --region "$region" \
      --duration-seconds "$token_seconds" --query authorizationToken --output text "${CALLS_TIMEOUT[@]}") \
    || ! endpoint=$("$aws_cli" codeartifact get-repository-endpoint --domain "$domain" --domain-owner "$owner" --region "$region" \
      --repository "$repository" --format pypi --query repositoryEndpoint --output text "${CALLS_TIMEOUT[@]}") \
    || [ -z "$token" ] || [ "$token" = None ] \
    || ! [[ "$endpoint" =~ ^https://[a-z0-9.-]+/pypi/[A-Za-z0-9._-]+/$ ]]; then
    fail_closed
    return 1
  fi

  local index
  index="https://aws:$(percent_encode "$token")@${endpoint#https://}simple/"
  for file in "${pip_configs[@]}"; do
    if ! write_config "$file" "# Written by cdk-sagemaker-egress (CodeArtifactPypiMirror); refreshed automatically, do not edit.
# The only package index is the CodeArtifact repository $domain/$repository; the public index is never used.
[global]
index-url = $index"; then
      log "could not write $file"
      fail_closed
      return 1
    fi
  done
  date +%s >"$stamp" || return 1
  log "pip logged in to $domain/$repository (token valid for ${token_seconds}s)"
}

# The token goes in the URL's user information: anything but unreserved characters is percent-encoded.
percent_encode() {
  local LC_ALL=C text=$1 out='' c i
  for ((i = 0; i < ${#text}; i++)); do
    c=${text:i:1}
    case "$c" in
      [A-Za-z0-9._~-]) out+=$c ;;
      *) printf -v c '%%%02X' "'$c"; out+=$c ;;
    esac
  done
  printf '%s' "$out"
}

# No token: keep any configuration that holds one (still valid until it expires); where there is none,
# forbid indexes altogether, so pip cannot fall back to pypi.org.
fail_closed() {
  local file
  for file in "${pip_configs[@]}"; do
    if ! grep -q '^index-url = https://aws:' "$file" 2>/dev/null; then
      write_config "$file" "# Written by cdk-sagemaker-egress (CodeArtifactPypiMirror): no CodeArtifact token could be obtained yet.
# Installs fail rather than use the public index; the next scheduled login replaces this file.
[global]
no-index = true" || log "could not write $file either: pip may use its defaults"
    fi
  done
  log "could not log in to $domain/$repository; kept the last configuration (no-index where there was none)"
}

# The options a scheduled run repeats, with the refresh interval as --max-age.
login_arguments() {
  local file
  printf '%s ' login --domain "$domain" --domain-owner "$owner" --repository "$repository" --region "$region" \
    --mode "$mode" --state-dir "$state_dir" --max-age "$max_age" --token-seconds "$token_seconds"
  if [ -n "$aws_cli" ]; then printf '%s ' --aws "$aws_cli"; fi
  for file in "${pip_configs[@]}"; do printf '%s ' --pip-config "$file"; done
}

schedule() {
  check cron-file "$cron_file" "$PATH_RE"
  check check-every "$check_every" '^[1-9][0-9]*$'
  [ "$max_age" -gt 0 ] || die "schedule needs --max-age (the refresh interval in seconds)"
  local self kind=$scheduler
  self=$(readlink -f "$0")
  mkdir -p "$state_dir"
  if [ "$kind" = auto ]; then
    if [ -d "$(dirname "$cron_file")" ] && pgrep -x 'crond|cron' >/dev/null 2>&1; then kind=cron; else kind=loop; fi
  fi
  case "$kind" in
    cron)
      [ $((check_every % 60)) -eq 0 ] && [ "$check_every" -le 3600 ] || die "cron checks every 1 to 60 whole minutes, got ${check_every}s"
      local minutes=$((check_every / 60)) tmp
      mkdir -p "$(dirname "$cron_file")"
      tmp=$(mktemp "$(dirname "$cron_file")/.codeartifact-pip-login.XXXXXX")
      printf '%s\n' "# cdk-sagemaker-egress: refresh the CodeArtifact login of pip before its token expires." \
        "*/$minutes * * * * root $self $(login_arguments)>>$state_dir/login.log 2>&1" >"$tmp"
      chmod 644 "$tmp"
      mv -f "$tmp" "$cron_file"
      log "refresh scheduled with cron ($cron_file), checked every $minutes minute(s), token renewed after ${max_age}s"
      ;;
    loop)
      local pidfile="$state_dir/refresh.pid" pid
      # The state directory may outlive the container (a Studio home): the pid must still be this loop's.
      if [ -f "$pidfile" ] && pid=$(cat "$pidfile") && [[ "$pid" =~ ^[0-9]+$ ]] \
        && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$self "; then
        log "refresh loop already running (pid $pid)"
        return 0
      fi
      local -a arguments
      read -r -a arguments <<<"$(login_arguments)"
      # shellcheck disable=SC2016 # $0, $1 and $@ belong to the loop's own shell
      nohup bash -c 'every=$1; shift; while :; do "$0" "$@" || true; sleep "$every"; done' "$self" "$check_every" "${arguments[@]}" \
        </dev/null >>"$state_dir/login.log" 2>&1 &
      echo $! >"$pidfile"
      log "refresh loop started (pid $!), checked every ${check_every}s, token renewed after ${max_age}s"
      ;;
    *) die "--scheduler must be cron, loop or auto, got $kind" ;;
  esac
}

case "$command" in
  start)
    # A fresh start logs in whatever the age of the last login (the state may predate a stop).
    if ! max_age=0 login; then log "the scheduled refresh will retry every ${check_every}s"; fi
    schedule
    ;;
  login) login ;;
  schedule) schedule ;;
  *) die "usage: $0 start|login|schedule OPTIONS" ;;
esac
