from pulp_teamindex.app.simple.memory.page_cache import Page, PageCache


def page(n):
    return Page(body=b"x" * n, etag=str(n))


def test_cache_is_bounded_in_bytes_and_evicts_least_recently_used():
    cache = PageCache(max_bytes=3 * (1000 + 200))
    for key in "abc":
        cache.put(key, page(1000))
    assert cache.get("a") is not None  # a is now the most recently used
    cache.put("d", page(1000))
    assert cache.get("b") is None
    assert all(cache.get(k) is not None for k in "acd")
    assert cache.size <= 3 * 1200


def test_replacing_a_key_does_not_leak_size():
    cache = PageCache()
    cache.put("a", page(10))
    cache.put("a", page(20))
    assert cache.size == 220


def test_drop_project_forgets_only_that_project():
    cache = PageCache()
    cache.put(("page", "r1", "a", ("a", "html")), page(10))
    cache.put(("file", "r2", "a", "a-1.0.tar.gz"), page(10))
    cache.put(("page", "r1", "b", ("b", "html")), page(10))
    cache.drop_project("a")
    assert cache.get(("page", "r1", "b", ("b", "html"))) is not None
    assert cache.get(("page", "r1", "a", ("a", "html"))) is None
    assert cache.size == 210


def test_a_value_computed_before_a_change_is_not_kept_after_it():
    cache = PageCache()
    before_clear = cache.ticket()
    cache.clear()
    cache.put("a", page(10), before_clear)
    assert cache.get("a") is None
    before_drop = cache.ticket()
    cache.drop_project("x")
    cache.put("b", page(10), before_drop)
    assert cache.get("b") is None
    cache.put("c", page(10), cache.ticket())
    assert cache.get("c") is not None
