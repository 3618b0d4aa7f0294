from pulp_teamindex.app.downloads.book import ANONYMOUS, HOUR, DownloadBook, Reader

ALICE = Reader("alice", "")
TOKEN = Reader("alice", "pti_ab12")


def test_downloads_of_one_reader_and_client_in_one_hour_are_one_row():
    book = DownloadBook()
    for second in (10, 20, 30):
        book.note("index-1", "a-1.0.tar.gz", "f" * 64, ALICE, "192.0.2.1", 7 * HOUR + second)
    [row], dropped = book.take()
    assert (row.count, row.first, row.last, row.hour) == (3, 7 * HOUR + 10, 7 * HOUR + 30, 7 * HOUR)
    assert (row.user, row.token, row.client, row.sha256) == ("alice", "", "192.0.2.1", "f" * 64)
    assert dropped == 0
    assert book.take() == ([], 0)  # taken: the book starts empty


def test_each_hour_reader_token_client_and_index_counts_apart():
    book = DownloadBook()
    book.note("i1", "a-1.0.tar.gz", "", ALICE, "192.0.2.1", 0)
    book.note("i1", "a-1.0.tar.gz", "", ALICE, "192.0.2.1", HOUR)  # the next hour
    book.note("i1", "a-1.0.tar.gz", "", TOKEN, "192.0.2.1", 0)
    book.note("i1", "a-1.0.tar.gz", "", ANONYMOUS, "192.0.2.1", 0)
    book.note("i1", "a-1.0.tar.gz", "", ALICE, "192.0.2.2", 0)
    book.note("i2", "a-1.0.tar.gz", "", ALICE, "192.0.2.1", 0)
    rows, _ = book.take()
    assert len(rows) == 6 and all(row.count == 1 for row in rows)


def test_a_full_book_counts_known_keys_and_drops_new_ones():
    book = DownloadBook(max_entries=2)
    book.note("i", "a-1.0.tar.gz", "", ALICE, None, 0)
    book.note("i", "b-1.0.tar.gz", "", ALICE, None, 0)
    book.note("i", "c-1.0.tar.gz", "", ALICE, None, 0)  # a third key: dropped
    book.note("i", "a-1.0.tar.gz", "", ALICE, None, 1)  # a known key: counted
    rows, dropped = book.take()
    assert dropped == 1
    assert sorted((row.filename, row.count) for row in rows) == [
        ("a-1.0.tar.gz", 2),
        ("b-1.0.tar.gz", 1),
    ]
    assert rows[0].client == ""  # an unknown client address


def test_rows_a_failed_write_gives_back_are_counted_again():
    book = DownloadBook(max_entries=2)
    book.note("i", "a-1.0.tar.gz", "", ALICE, "192.0.2.1", 50)
    rows, _ = book.take()
    book.note("i", "a-1.0.tar.gz", "", ALICE, "192.0.2.1", 60)  # meanwhile
    book.give_back(rows)
    book.give_back(rows)  # twice: still within the bound, counted twice
    [row], _ = book.take()
    assert (row.count, row.first, row.last) == (3, 50, 60)
