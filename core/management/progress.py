import sys


def show_progress(label, done, total, width=30):
    """Redraw a one-line progress bar on stderr (a newline once `done` reaches `total`)."""
    filled = width * done // total if total else width
    sys.stderr.write(f"\r{label}: [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()
