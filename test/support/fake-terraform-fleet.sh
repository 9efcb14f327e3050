#!/usr/bin/env bash
# A fake `terraform` for fleet deploy tests and the fleet simulator (bench/fleet-deploy.ts).
#
# One process per call, like the real binary, so signals, process groups and exit codes are
# real. The stack is the working directory's name (stacks/<stack>). Everything lives under
# $FAKE_TF_DIR:
#   config/default, config/<stack>   shell assignments read per call (later wins):
#       init_ms plan_ms apply_ms      latency of each command (divided by $FAKE_TF_DIVISOR)
#       fail=apply|init               always fail that command (a broken tenant)
#       throttle=N lockheld=N network=N
#                                     the first N applies fail with that error (retryable)
#       ignore_int=1                  ignore SIGINT, unlogged (tests the runner's grace period)
#       orphan=1                      apply leaves a background process holding its stdout open
#                                     after it exits (a provider plugin that outlives terraform);
#                                     its pid goes to orphans.log
#       plan_exit=0|2                 plan -detailed-exitcode result (drift)
#   calls.log   one line per call, signal and exit: "call <stack> <pid> <args> | env..."
#   locks/<stack>.lock   held during apply; released on exit, SIGINT and SIGTERM (as
#                        Terraform does), left behind on SIGHUP and SIGKILL (as Terraform does)
#   state/<stack>.<command>   attempt counters
set -u
D="${FAKE_TF_DIR:?FAKE_TF_DIR must be set}"
stack="${PWD##*/}"  # builtins only below: the simulator starts thousands of these
cmd="${1:-}"
init_ms=0 plan_ms=0 apply_ms=0 fail="" throttle=0 lockheld=0 network=0 ignore_int=0 plan_exit=0 orphan=0
[ -f "$D/config/default" ] && . "$D/config/default"
[ -f "$D/config/$stack" ] && . "$D/config/$stack"
div="${FAKE_TF_DIVISOR:-1}"
[ -d "$D/state" ] || mkdir -p "$D/locks" "$D/state"
log() { printf '%s\n' "$*" >> "$D/calls.log"; }
read -r -a _stat < /proc/$$/stat; pgid="${_stat[4]}"
lockfile=no; [ -f .terraform.lock.hcl ] && lockfile=yes
log "call $stack $$ $* | cache=${TF_PLUGIN_CACHE_DIR:-} retry=${AWS_RETRY_MODE:-} max=${AWS_MAX_ATTEMPTS:-} lockfile=$lockfile pgid=$pgid"
child=""
release() { rm -f "$D/locks/$stack.lock"; }
on_signal() {
  log "signal $stack $$ $1"
  # every background job, not only $child: a signal that lands between `sleep &` and `child=$!`
  # would otherwise leave the sleep running (it ignores SIGINT, as async jobs of a script do)
  kill $(jobs -p) 2>/dev/null
  if [ "$1" = HUP ]; then exit 129; fi
  release; exit 130
}
trap 'log "exit $stack $$ $?"' EXIT
# ignore_int: SIGINT ignored by the fake and everything it starts (not logged: the runner reports it)
if [ "$ignore_int" = 1 ]; then trap '' INT; else trap 'on_signal INT' INT; fi
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP
nap() {
  local ms=$(( $1 / div )) frac
  [ "$ms" -gt 0 ] || return 0
  printf -v frac %03d $((ms % 1000))
  # no inherited stdio: a sleep that outlives this script must not hold the caller's pipes open
  sleep "$((ms / 1000)).$frac" </dev/null >/dev/null 2>&1 & child=$!
  # wait returns early when a trapped signal arrives; keep waiting if the trap returned
  while kill -0 "$child" 2>/dev/null; do wait "$child"; done
  child=""
}
# the attempt number of this command for this stack, in $n (no subshell)
count() { local f="$D/state/$stack.$1"; n=0; [ -f "$f" ] && read -r n < "$f"; n=$((n + 1)); echo "$n" > "$f"; }
case "$cmd" in
  init)
    count init
    nap "$init_ms"
    if [ "$fail" = init ]; then echo "Error: Failed to query available provider packages" >&2; exit 1; fi
    [ -n "${TF_PLUGIN_CACHE_DIR:-}" ] && mkdir -p "$TF_PLUGIN_CACHE_DIR/registry.terraform.io/hashicorp/aws"
    echo "Terraform has been successfully initialized!"
    ;;
  apply)
    count apply
    if [ -f "$D/locks/$stack.lock" ] || [ "$lockheld" -ge "$n" ]; then
      echo "Error: Error acquiring the state lock" >&2
      echo "Lock Info: ID: 1b2c Operation: OperationTypeApply" >&2
      exit 1
    fi
    : > "$D/locks/$stack.lock"
    if [ "$orphan" = 1 ]; then sleep 120 & echo "$!" >> "$D/orphans.log"; fi
    nap "$apply_ms"
    if [ "$throttle" -ge "$n" ]; then release; echo "Error: updating ECS Service: ThrottlingException: Rate exceeded" >&2; exit 1; fi
    if [ "$network" -ge "$n" ]; then release; echo "Error: reading KMS Key: RequestError: send request failed: dial tcp: i/o timeout" >&2; exit 1; fi
    if [ "$fail" = apply ]; then release; echo "Error: creating ECS Service ($stack): InvalidParameterException: The target group does not exist" >&2; exit 1; fi
    release
    echo "Apply complete! Resources: 0 added, 1 changed, 0 destroyed."
    ;;
  plan)
    count plan
    nap "$plan_ms"
    case " $* " in *" -detailed-exitcode "*) exit "$plan_exit" ;; esac
    ;;
  version) echo "Terraform v1.11.4" ;;
  *) echo "fake terraform: unexpected $*" >&2; exit 1 ;;
esac
