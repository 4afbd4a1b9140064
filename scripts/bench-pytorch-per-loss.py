#!/usr/bin/python3
"""PyTorch reference for `npm run bench:per-loss` (src/bench/per-loss-step.ts).

`npm run bench:per-loss` (and the per-loss part of `npm run bench`) runs this script itself, one
round per process interleaved with jointly's rounds, with glibc's allocator tuned and the threads
pinned. By hand, with Debian's PyTorch (apt-get install -y python3-torch libopenblas0-pthread),
set the allocator as the benchmark does (src/bench/pytorch.ts, allocatorEnv): without it glibc
returns the blocks PyTorch frees after every op to the kernel and faults them back in, which made
the summed step about 3 times slower on this project's VM (31.9 ms against 10.2 ms for 2 heads):
    MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=1073741824 \
        /usr/bin/python3 scripts/bench-pytorch-per-loss.py --heads 2,4 --threads 1 --rounds 5 --steps 20
    /usr/bin/python3 scripts/bench-pytorch-per-loss.py --check     # only the equivalence check; exit 1 on mismatch
OPENBLAS_NUM_THREADS and OMP_NUM_THREADS are set to --threads before torch loads (Debian's OpenBLAS
sizes its own thread pool then, whatever torch.set_num_threads says), as bench-pytorch.py does.

The model is the throughput bench's CNN trunk (conv16-pool-conv32-pool, as `cnn` in
bench-pytorch.py without its final Linear) with K heads nn.Linear(32*7*7, 10), batch 64 of fixed
seeded 28x28x1 inputs, random labels per head, Adam lr 1e-3, one cross-entropy loss per head.
Three ways to take a step:
  - summed:   the K losses are added, one backward;
  - per-loss: one forward, then torch.autograd.grad(loss_k, trunk params + head k params) per loss,
              reusing the forward graph (retain_graph until the last loss); the trunk's per-loss
              gradients are summed (as a plain-sum combiner would), each head gets its own loss's;
  - K passes: K full forward passes (all heads' logits and all K losses, as jointly's forward and
              objective compute them) and one backward of loss k each, gradients summed.
Modes run interleaved: `--rounds` rounds of `--steps` steps per mode (or, with `--seconds`, steps for
that many seconds, at least 3, as per-loss-step.ts does), after 3 warm-up steps per mode; each mode
reports the median over rounds of the mean ms/step in a round, and its ratio to summed.

Before timing (and alone with --check) every mode takes one step from identical initial weights and
its gradients and updated parameters are compared with summed's (max abs difference <= --tolerance).
Gradients are compared as well as parameters because Adam's first update is lr * g / (|g| + eps),
about lr * sign(g), which nearly hides a gradient that is wrong only in scale (trunk gradients
halved, i.e. averaged instead of summed, move the parameters by only ~3e-5 after one step).

Prints one JSON object on stdout (its last line; {"skipped": reason} when torch is not installed);
progress goes to stderr. The JSON records the allocator settings it ran with (`mallocEnv`).
"""
import argparse
import importlib.util
import json
import os
import statistics
import sys
import time
from pathlib import Path

BATCH = 64
CLASSES = 10
SEED = 1234
WARMUP = 3
# Fewest timed steps of a mode in a round under --seconds (MIN_STEPS in per-loss-step.ts).
MIN_STEPS = 3
# glibc's allocator settings of src/bench/pytorch.ts's allocatorEnv, reported in the JSON.
MALLOC_ENV = ('MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_')
MODES = ('summed', 'per-loss', 'K passes')


def load_blas_in_use():
    """blas_in_use() from bench-pytorch.py (a hyphenated file name, so loaded by path)."""
    spec = importlib.util.spec_from_file_location('bench_pytorch', Path(__file__).resolve().with_name('bench-pytorch.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.blas_in_use


def positive_int(text):
    n = int(text)
    if n <= 0:
        raise argparse.ArgumentTypeError(f'must be a positive integer, got {text!r}')
    return n


def positive_float(text):
    x = float(text)
    if not x > 0 or x == float('inf'):
        raise argparse.ArgumentTypeError(f'must be a positive number, got {text!r}')
    return x


def head_list(text):
    try:
        return [positive_int(h.strip()) for h in text.split(',')]
    except ValueError as err:
        raise argparse.ArgumentTypeError(f'--heads must be a comma-separated list of positive integers, got {text!r}') from err


def build(k, torch):
    """The trunk, K heads and their fixed batch, seeded so that every call with the same k is identical."""
    nn = torch.nn
    torch.manual_seed(SEED)
    trunk = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
    )
    heads = nn.ModuleList(nn.Linear(32 * 7 * 7, CLASSES) for _ in range(k))
    x = torch.rand((BATCH, 1, 28, 28))
    ys = [torch.randint(0, CLASSES, (BATCH,)) for _ in range(k)]
    optimizer = torch.optim.Adam([*trunk.parameters(), *heads.parameters()], lr=1e-3)
    return {'trunk': trunk, 'heads': heads, 'x': x, 'ys': ys, 'optimizer': optimizer, 'torch': torch}


def losses_of(s, features):
    """Every head's logits from `features` (once each) and its mean cross-entropy."""
    ce = s['torch'].nn.functional.cross_entropy
    return [ce(head(features), y) for head, y in zip(s['heads'], s['ys'])]


def compute_grads(mode, s):
    """Leaves .grad of every parameter set as `mode` computes it (no optimizer step)."""
    torch, trunk, heads = s['torch'], s['trunk'], s['heads']
    s['optimizer'].zero_grad(set_to_none=True)
    if mode == 'summed':
        sum(losses_of(s, trunk(s['x']))).backward()
    elif mode == 'per-loss':
        losses = losses_of(s, trunk(s['x']))
        shared = list(trunk.parameters())
        total = None
        for k, loss in enumerate(losses):
            own = list(heads[k].parameters())
            # retain_graph for every loss but the last: the trunk's part of the graph is shared by all
            # losses, and a backward without it frees the saved tensors the next backward needs.
            grads = torch.autograd.grad(loss, shared + own, retain_graph=k < len(losses) - 1)
            trunk_grads, head_grads = grads[:len(shared)], grads[len(shared):]
            total = list(trunk_grads) if total is None else [t + g for t, g in zip(total, trunk_grads)]
            for p, g in zip(own, head_grads):
                p.grad = g
        for p, g in zip(shared, total):
            p.grad = g
    elif mode == 'K passes':
        for k in range(len(heads)):
            # A full forward per loss (all heads' logits and all K losses, as jointly's forward and
            # objective compute them), backward of loss k; .backward() accumulates into .grad,
            # which sums the trunk's gradients over the K passes.
            losses_of(s, trunk(s['x']))[k].backward()
    else:
        raise ValueError(mode)


def step_once(mode, s):
    t0 = time.perf_counter()
    compute_grads(mode, s)
    s['optimizer'].step()
    return time.perf_counter() - t0


def parameters(s):
    return [*s['trunk'].parameters(), *s['heads'].parameters()]


def check(k, torch, tolerance):
    """One step of each mode from identical weights; max abs differences of gradients and parameters against summed."""
    snapshots = {}
    for mode in MODES:
        s = build(k, torch)
        compute_grads(mode, s)
        grads = [p.grad.detach().clone() for p in parameters(s)]
        s['optimizer'].step()
        snapshots[mode] = (grads, [p.detach().clone() for p in parameters(s)])
    ref_grads, ref_params = snapshots['summed']
    out = {'heads': k, 'tolerance': tolerance}
    ok = True
    for mode in MODES[1:]:
        grads, params = snapshots[mode]
        grad_diff = max((a - b).abs().max().item() for a, b in zip(grads, ref_grads))
        param_diff = max((a - b).abs().max().item() for a, b in zip(params, ref_params))
        out[mode] = {'maxGradDiff': grad_diff, 'maxParamDiff': param_diff}
        ok = ok and grad_diff <= tolerance and param_diff <= tolerance
    out['ok'] = ok
    return out


def main():
    parser = argparse.ArgumentParser(description='PyTorch reference for jointly\'s per-loss step bench')
    parser.add_argument('--heads', type=head_list, default=[2, 4], help='head counts to measure (default 2,4)')
    parser.add_argument('--threads', type=positive_int, default=1, help='torch and OpenBLAS threads (default 1)')
    parser.add_argument('--rounds', type=positive_int, default=5, help='interleaved rounds per head count (default 5)')
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument('--steps', type=positive_int, default=20, help='timed steps per mode and round (default 20)')
    budget.add_argument('--seconds', type=positive_float, help=f'instead of --steps: timed seconds per mode and round (at least {MIN_STEPS} steps)')
    parser.add_argument('--tolerance', type=float, default=1e-5, help='max abs difference allowed by the check (default 1e-5)')
    parser.add_argument('--check', action='store_true', help='only run the equivalence check; exit 1 on mismatch')
    parser.add_argument('--no-check', action='store_true', help='skip the equivalence check before timing')
    args = parser.parse_args()
    # Debian's OpenBLAS sizes its own thread pool when it is loaded, ignoring torch.set_num_threads,
    # so both pools are pinned to --threads before torch is imported (as bench-pytorch.py does).
    os.environ['OPENBLAS_NUM_THREADS'] = str(args.threads)
    os.environ['OMP_NUM_THREADS'] = str(args.threads)
    try:
        import torch
    except ImportError as err:
        print(json.dumps({'skipped': f'PyTorch is not installed for {sys.executable} ({err}); apt-get install -y python3-torch libopenblas0-pthread'}))
        return 0
    torch.set_num_threads(args.threads)
    header = {
        'torch': torch.__version__, 'threads': args.threads, 'openblasThreadsEnv': os.environ.get('OPENBLAS_NUM_THREADS'),
        'mkldnn': torch.backends.mkldnn.is_available(), 'batch': BATCH,
        'mallocEnv': {name: os.environ[name] for name in MALLOC_ENV if name in os.environ},
    }
    if not header['mallocEnv']:
        print('note: glibc\'s allocator runs with its default thresholds (no MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_), '
              'which slows PyTorch down several times on VMs with dear page faults; see the docstring', file=sys.stderr)

    checks = []
    if args.check or not args.no_check:
        checks = [check(k, torch, args.tolerance) for k in args.heads]
        for c in checks:
            print(f'check, {c["heads"]} heads: ' + ', '.join(f'{m} grad {c[m]["maxGradDiff"]:.2e} param {c[m]["maxParamDiff"]:.2e}' for m in MODES[1:]) + (' ok' if c['ok'] else ' MISMATCH'), file=sys.stderr)
        if args.check or not all(c['ok'] for c in checks):
            print(json.dumps({**header, 'blas': load_blas_in_use()(), 'check': checks}))
            return 0 if all(c['ok'] for c in checks) else 1

    budget = f'{args.steps} steps' if args.seconds is None else f'{args.seconds:g} s (at least {MIN_STEPS} steps)'
    print(f'torch {torch.__version__}, {args.threads} threads; batch {BATCH}; {args.rounds} rounds of {budget} per mode', file=sys.stderr)
    results = []
    blas = None
    for k in args.heads:
        s = build(k, torch)
        for mode in MODES:
            for _ in range(WARMUP):  # Adam's moments, allocator and kernel caches
                step_once(mode, s)
        if blas is None:
            blas = load_blas_in_use()()  # after convolutions and matmuls have run, so that the BLAS is mapped
        round_means = {mode: [] for mode in MODES}
        for r in range(args.rounds):
            for mode in MODES:
                total, steps = 0.0, 0
                t0 = time.perf_counter()
                while (steps < args.steps) if args.seconds is None else (steps < MIN_STEPS or time.perf_counter() - t0 < args.seconds):
                    total += step_once(mode, s)
                    steps += 1
                round_means[mode].append(total / steps * 1000)
            print(f'{k} heads, round {r + 1}/{args.rounds}: ' + ', '.join(f'{m} {round_means[m][r]:.1f} ms' for m in MODES), file=sys.stderr)
        ms = {mode: statistics.median(round_means[mode]) for mode in MODES}
        results.append({
            'heads': k, 'msPerStep': ms, 'roundMeans': round_means,
            'perLossOverSummed': ms['per-loss'] / ms['summed'], 'kPassesOverSummed': ms['K passes'] / ms['summed'],
        })
    print(json.dumps({**header, 'rounds': args.rounds, 'steps': None if args.seconds is not None else args.steps, 'seconds': args.seconds, 'warmup': WARMUP, 'blas': blas, 'check': checks, 'results': results}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
