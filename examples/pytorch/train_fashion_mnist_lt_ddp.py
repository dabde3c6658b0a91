"""train_fashion_mnist_lt.py under torchrun: DistributedDataParallel on the CPU with the gloo backend.

    PYTHONPATH=python python3 -m torch.distributed.run --nproc_per_node 2 examples/pytorch/train_fashion_mnist_lt_ddp.py --epochs 10

(With PyTorch 1.13 on Python 3.11, e.g. Debian 12's python3-torch, the launcher's default stream settings fail with
"AttributeError: 'NoneType' object has no attribute 'get'": Python 3.11's enum no longer lists the zero flag that
torch looks up. Add ``--redirects 1 --tee 1`` before the script's path.)

Same data, model, flags and output as the single-process script. Training shards the data with DistributedSampler;
the metrics stream each rank's shard and all-reduce the sums (``evaluate(..., distributed=True)``), so every rank holds
the exact global report, and only rank 0 talks to the dashboard. The evaluation shards come from
``EvaluationShardSampler``: DistributedSampler pads shards by repeating samples, which the sums would count twice.
The lines marked ``# nc-monitor`` are the additions for the monitor.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Optional, Sequence

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_fashion_mnist_lt import CLASS_NAMES, SmallCNN, dump, evaluate_splits, load_data, parse_arguments, run_config, summary_line  # noqa: E402

from ncmonitor.client import MonitorClient  # nc-monitor  # noqa: E402
from ncmonitor.distributed import EvaluationShardSampler  # nc-monitor  # noqa: E402
from ncmonitor.metrics import CollapseTracker  # nc-monitor  # noqa: E402


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_arguments(argv)
    if "RANK" not in os.environ:
        print("run this script with torchrun: python -m torch.distributed.run --nproc_per_node 2 " + " ".join(sys.argv), file=sys.stderr)
        return 2
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.set_num_threads(max(1, (os.cpu_count() or 1) // world))
    torch.manual_seed(args.seed)  # the same initialisation on every rank (DDP also broadcasts rank 0's)
    train_set, test_set, counts, source = load_data(args)
    model = DistributedDataParallel(SmallCNN())
    optimizer = torch.optim.Adam(model.parameters(), lr=args.learning_rate)
    sampler = DistributedSampler(train_set, shuffle=True, seed=args.seed)
    # Each rank takes batch_size / world of a global batch, so one step sees batch_size images as in one process.
    train_loader = DataLoader(train_set, batch_size=max(1, args.batch_size // world), sampler=sampler)
    train_eval = DataLoader(train_set, batch_size=args.eval_batch_size, sampler=EvaluationShardSampler(train_set))  # nc-monitor
    test_loader = DataLoader(test_set, batch_size=args.eval_batch_size, sampler=EvaluationShardSampler(test_set))  # nc-monitor
    main_process = rank == 0
    if main_process:
        print(f"{source}: {len(train_set)} training images ({'/'.join(map(str, counts))}), {len(test_set)} test, {world} processes")

    monitor = MonitorClient.from_environment() if main_process else None  # nc-monitor
    tracker = CollapseTracker(class_names=CLASS_NAMES)  # nc-monitor
    if monitor is not None:  # nc-monitor
        monitor.start()  # nc-monitor
        monitor.run_did_start(  # nc-monitor
            run_name="fashion-mnist-lt-pytorch-ddp", run_folder="", config={**run_config(args), "processes": world},  # nc-monitor
            backend={"name": f"pytorch-cpu-ddp-gloo-x{world}", "skipped": []},  # nc-monitor
            dataset={"source": source, "classNames": CLASS_NAMES, "trainCounts": counts, "testCount": len(test_set)},  # nc-monitor
            total_epochs=max(args.epochs, 1))  # nc-monitor

    started = time.time()
    epoch, reason, reports, collapse = 0, "completed", [], tracker.flag
    try:
        if args.epochs == 0:
            reports = evaluate_splits(model, train_eval, test_loader, counts, epoch=0, distributed=True)
            collapse = tracker.update(reports)  # nc-monitor
            if monitor is not None:  # nc-monitor
                monitor.metrics_did_update(epoch=0, reports=reports, collapse=collapse, evaluation_ms=0)  # nc-monitor
        for epoch in range(1, args.epochs + 1):
            epoch_started = time.time()
            sampler.set_epoch(epoch)
            model.train()
            totals = torch.zeros(3, dtype=torch.float64)  # loss sum, correct, seen on this rank
            for x, y in train_loader:
                logits = model(x)
                loss = F.cross_entropy(logits, y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                totals += torch.tensor([float(loss) * len(y), int((logits.argmax(dim=1) == y).sum()), len(y)], dtype=torch.float64)
            dist.all_reduce(totals)
            loss_mean, accuracy, seen = float(totals[0] / totals[2]), float(totals[1] / totals[2]), float(totals[2])
            duration = time.time() - epoch_started
            if monitor is not None:  # nc-monitor
                monitor.epoch_did_end(  # nc-monitor
                    epoch=epoch, total_epochs=args.epochs, loss=loss_mean, train_accuracy=accuracy,  # nc-monitor
                    learning_rate=args.learning_rate, duration_ms=1000 * duration, images_per_second=seen / max(duration, 1e-6))  # nc-monitor
            evaluation_started = time.time()
            reports = evaluate_splits(model, train_eval, test_loader, counts, epoch, distributed=True)  # every rank: collectives
            collapse = tracker.update(reports)  # nc-monitor
            stop = torch.zeros(1)  # nc-monitor
            if monitor is not None:  # nc-monitor
                monitor.metrics_did_update(epoch=epoch, reports=reports, collapse=collapse,  # nc-monitor
                                           evaluation_ms=1000 * (time.time() - evaluation_started))  # nc-monitor
                print(summary_line(epoch, args.epochs, loss_mean, accuracy, reports))
                stop[0] = float(monitor.stop_requested)  # nc-monitor
            dist.broadcast(stop, src=0)  # nc-monitor: every rank stops together
            if stop.item():  # nc-monitor
                reason = "stopped"  # nc-monitor
                break  # nc-monitor
    except BaseException as error:
        if monitor is not None:  # nc-monitor
            monitor.run_did_end(reason="failed", epoch=epoch, duration_ms=1000 * (time.time() - started), error=str(error))  # nc-monitor
            monitor.close()  # nc-monitor
        raise
    if monitor is not None:  # nc-monitor
        monitor.run_did_end(reason=reason, epoch=epoch, duration_ms=1000 * (time.time() - started))  # nc-monitor
        monitor.close()  # nc-monitor
    if main_process and args.dump_metrics:
        dump(args.dump_metrics, reports, collapse)
    dist.barrier()
    dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
