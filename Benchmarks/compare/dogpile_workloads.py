"""The comparison's workloads in Python dogpile.cache, mirroring the Swift ones.

Usage:
    python dogpile_workloads.py memory
    python dogpile_workloads.py entries [COUNT]
    python dogpile_workloads.py memcached PORT [THREADS] [SECONDS] [KEYS] [VALUE_BYTES]

Prints one line per workload: "<workload> <ops per second>".
"""
import sys
import threading
import time

from dogpile.cache import make_region


def rate(name, count, run):
    started = time.perf_counter()
    run()
    elapsed = time.perf_counter() - started
    print(f"{name} {count / elapsed:.0f}", flush=True)


def memory():
    region = make_region().configure("dogpile.cache.memory", expiration_time=3600)
    count = 300_000
    region.set("user:42", "v" * 100)

    def hits():
        get_or_create = region.get_or_create
        for _ in range(count):
            get_or_create("user:42", lambda: "x")

    rate("memory_hit", count, hits)

    @region.cache_on_arguments()
    def load_user(user_id):
        return "u" * 100

    load_user(42)

    def calls():
        for _ in range(count):
            load_user(42)

    rate("function_hit", count, calls)

    misses = count // 4

    def creations():
        for index in range(misses):
            region.get_or_create(f"miss:{index}", lambda: "x" * 100)

    rate("miss_create_store", misses, creations)


def resident_bytes():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def entries(count=1_000_000):
    region = make_region().configure("dogpile.cache.memory", expiration_time=3600)
    before = resident_bytes()
    for index in range(count):
        region.set(f"key:{index}", ("v" * 99) + str(index % 10))
    after = resident_bytes()
    print(f"bytes_per_entry {(after - before) // count}", flush=True)


def memcached(port, threads=64, seconds=5, keys=1000, value_bytes=100):
    region = make_region().configure(
        "dogpile.cache.pylibmc", expiration_time=3600, arguments={"url": [f"127.0.0.1:{port}"]}
    )
    names = [f"load:{index}" for index in range(keys)]
    value = "v" * value_bytes
    for name in names:
        region.set(name, value)
    counts = [0] * threads
    barrier = threading.Barrier(threads + 1)
    deadline = [0.0]

    def worker(slot):
        barrier.wait()
        index = slot
        operations = 0
        while time.perf_counter() < deadline[0]:
            index = (index * 1_103_515_245 + 12345) & 0x7FFF_FFFF
            read = region.get_or_create(names[index % keys], lambda: value)
            assert len(read) == value_bytes
            operations += 1
        counts[slot] = operations

    workers = [threading.Thread(target=worker, args=(slot,)) for slot in range(threads)]
    for thread in workers:
        thread.start()
    deadline[0] = time.perf_counter() + seconds
    barrier.wait()
    for thread in workers:
        thread.join()
    print(f"memcached_hit_{threads} {sum(counts) / seconds:.0f}", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "memory":
        memory()
    elif sys.argv[1] == "entries":
        entries(*(int(argument) for argument in sys.argv[2:]))
    else:
        memcached(int(sys.argv[2]), *(int(argument) for argument in sys.argv[3:]))
