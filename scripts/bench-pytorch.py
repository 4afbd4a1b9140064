#!/usr/bin/python3
"""PyTorch reference for `npm run bench`: the same models, batch, optimizer and data as jointly's bench.

Run with Debian's PyTorch (apt-get install -y python3-torch libopenblas0-pthread):
    /usr/bin/python3 scripts/bench-pytorch.py --model mlp --threads 1 --seconds 5
Prints one JSON object: samples/s, ms/step, the CPU share of the process over the timed loop
(time.process_time(), all threads, over wall time), and which BLAS library torch loaded (from
/proc/self/maps after a matmul) with OpenBLAS's core type, since a reference BLAS would make the
comparison meaningless.
"""
import argparse
import ctypes
import json
import os
import statistics
import sys
import time


def blas_in_use():
    """The BLAS shared library mapped into this process, and OpenBLAS's kernel family if it is OpenBLAS."""
    libs = set()
    with open('/proc/self/maps') as maps:
        for line in maps:
            path = line.split()[-1] if len(line.split()) >= 6 else ''
            name = path.rsplit('/', 1)[-1]
            if 'blas' in name or 'mkl' in name:
                libs.add(path)
    openblas = sorted(p for p in libs if 'openblas' in p)
    core = None
    threads = None
    if openblas:
        try:
            lib = ctypes.CDLL(openblas[0])
            lib.openblas_get_corename.restype = ctypes.c_char_p
            core = lib.openblas_get_corename().decode()
            threads = lib.openblas_get_num_threads()
        except (OSError, AttributeError):
            core = None
    return {'libraries': sorted(libs), 'openblas': bool(openblas), 'openblasCore': core, 'openblasThreads': threads}


def build(model_id, torch):
    nn = torch.nn
    if model_id == 'mlp':
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)), 128, (1, 784)
    if model_id == 'cnn':
        # conv16-pool-conv32-pool-dense10, 3x3 'same' convolutions, 2x2 max pooling, as jointly's reference CNN.
        return nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 7 * 7, 10),
        ), 64, (1, 28, 28)
    if model_id == 'lenet':
        # The federated benchmark's LeNet: 5x5 'valid' convolutions, 2x2 max pooling, dense 120-84-10 (SGD, momentum 0.9).
        return nn.Sequential(
            nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(16 * 4 * 4, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
        ), 64, (1, 28, 28)
    raise SystemExit(f'unknown model {model_id}')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--model', required=True, choices=['mlp', 'cnn', 'lenet'])
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--seconds', type=float, default=5)
    args = parser.parse_args()
    # Debian's OpenBLAS sizes its own thread pool at load time, ignoring torch.set_num_threads:
    # without this, "1 thread" used two cores for convolutions. Set before torch loads OpenBLAS.
    os.environ['OPENBLAS_NUM_THREADS'] = str(args.threads)
    os.environ['OMP_NUM_THREADS'] = str(args.threads)
    try:
        import torch
    except ImportError as err:
        print(json.dumps({'skipped': f'PyTorch is not installed for {sys.executable} ({err}); apt-get install -y python3-torch libopenblas0-pthread'}))
        return
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    model, batch, sample_shape = build(args.model, torch)
    x = torch.rand((batch, *sample_shape))
    y = torch.randint(0, 10, (batch,))
    if args.model == 'lenet':
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    for _ in range(3):
        step()
    blas = blas_in_use()
    durations = []
    cpu_start = time.process_time()
    start = time.perf_counter()
    while len(durations) < 3 or time.perf_counter() - start < args.seconds:
        t0 = time.perf_counter()
        step()
        durations.append(time.perf_counter() - t0)
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    total = sum(durations)
    print(json.dumps({
        'model': args.model, 'threads': args.threads, 'batchSize': batch, 'steps': len(durations),
        'samplesPerSecond': batch * len(durations) / total, 'msPerStepMedian': statistics.median(durations) * 1000,
        'cpuShare': cpu / wall, 'cpuMsPerStep': cpu * 1000 / len(durations),
        'torch': torch.__version__, 'blas': blas,
    }))


if __name__ == '__main__':
    main()
