"""Running one piece of work in many threads at once, each with its own connection."""

import threading
import time

from django.db import OperationalError, connection

# Concurrency. Each thread has its own connection, closed at its end. The SQLite lane's
# test database is in memory with a shared cache, where a statement that meets another
# connection's table lock fails at once ("database table is locked") instead of waiting
# for it. Each thread's connection therefore retries such a statement, one statement at a
# time: a locked statement has done nothing, and retrying the whole claim instead would
# skip its compensating release. On the mongo lane the wrapper is never called.


def in_threads(count, work):
    barrier = threading.Barrier(count)
    results = [None] * count
    errors = []

    def run(index):
        try:
            with connection.execute_wrapper(retry_when_locked):
                barrier.wait()
                results[index] = work(index)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [], errors
    return results


def retry_when_locked(execute, sql, params, many, context, attempts=500):
    for _ in range(attempts - 1):
        try:
            return execute(sql, params, many, context)
        except OperationalError as error:
            if "locked" not in str(error):
                raise
            time.sleep(0.002)
    return execute(sql, params, many, context)
