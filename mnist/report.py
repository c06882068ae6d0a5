"""What a learner sees: accuracy, a confusion matrix table, and digits drawn in the terminal."""

__all__ = ["argmax", "accuracy", "confusion_matrix", "format_confusion", "draw_digit",
           "can_draw_unicode", "top_k", "format_prediction"]

# two pixels per character cell: (top on, bottom on) -> block; faint pixels get a light shade
_BLOCKS = {(True, True): "█", (True, False): "▀", (False, True): "▄"}
_ASCII_RAMP = " .:-=+*#%@"
_ON, _FAINT = 0.5, 0.15


def argmax(row):
    """The index of the largest entry (the first one on a tie): a model's predicted class."""
    return max(range(len(row)), key=row.__getitem__)


def accuracy(true, predicted):
    """Fraction of positions where ``predicted[i] == true[i]`` (0.0 for no items)."""
    if not true:
        return 0.0
    return sum(map(int.__eq__, true, predicted)) / len(true)


def confusion_matrix(true, predicted, classes=10):
    """``m[t][p]`` = how many images of true class t were predicted as p."""
    m = [[0] * classes for _ in range(classes)]
    for t, p in zip(true, predicted):
        m[t][p] += 1
    return m


def format_confusion(matrix):
    """The confusion matrix as a text table: rows true digits, columns predictions, plus recall."""
    n = len(matrix)
    width = max(4, len(str(max(max(row) for row in matrix))) + 1)
    lines = ["true \\ predicted".ljust(6 + width * n) + "  recall",
             "      " + "".join(f"{p:>{width}}" for p in range(n))]
    for t, row in enumerate(matrix):
        total = sum(row)
        recall = f"{100 * row[t] / total:6.1f}%" if total else "      -"
        lines.append(f"{t:>4}  " + "".join(f"{c:>{width}}" for c in row) + "  " + recall)
    return "\n".join(lines)


def can_draw_unicode(stream):
    """True when ``stream``'s encoding can show the block characters used by ``draw_digit``."""
    try:
        "█▀▄░".encode(getattr(stream, "encoding", None) or "ascii")
        return True
    except (UnicodeEncodeError, LookupError):
        return False


def draw_digit(pixels, rows, cols, unicode=True):
    """Text lines picturing an image of floats in [0, 1]; each character covers two pixel rows.

    Unicode: half blocks for pixels >= 0.5, a light shade for fainter ink; ASCII: a
    brightness ramp over the mean of the two pixels.
    """
    lines = []
    for r in range(0, rows, 2):
        top = pixels[r * cols:(r + 1) * cols]
        bottom = pixels[(r + 1) * cols:(r + 2) * cols] if r + 1 < rows else [0.0] * cols
        if unicode:
            cells = [_BLOCKS.get((t >= _ON, b >= _ON)) or ("░" if max(t, b) >= _FAINT else " ")
                     for t, b in zip(top, bottom)]
        else:
            last = len(_ASCII_RAMP) - 1
            cells = [_ASCII_RAMP[min(last, int((t + b) / 2 * last + 0.5))] for t, b in zip(top, bottom)]
        lines.append("".join(cells))
    return lines


def top_k(probabilities, k=3):
    """``[(class, probability), ...]`` for the k most likely classes, most likely first."""
    ranked = sorted(range(len(probabilities)), key=lambda c: (-probabilities[c], c))
    return [(c, probabilities[c]) for c in ranked[:k]]


def format_prediction(pixels, rows, cols, true, probabilities, title="", unicode=True):
    """A drawn digit with its true label (unless None), the prediction and the top-3
    probabilities beside it."""
    picture = draw_digit(pixels, rows, cols, unicode)
    caption = [title] if title else []
    if true is not None:
        caption.append(f"true label  {true}")
    if probabilities is not None:
        best = top_k(probabilities, 3)
        verdict = "" if true is None else "  (right)" if best[0][0] == true else "  (WRONG)"
        caption.append(f"predicted   {best[0][0]}{verdict}")
        caption.append("top-3       " + "  ".join(f"{c}: {p:.3f}" for c, p in best))
    frame = "+" + "-" * cols + "+"
    body = [frame] + ["|" + line + "|" for line in picture] + [frame]
    caption += [""] * (len(body) - len(caption))
    return "\n".join(f"{b}  {c}".rstrip() for b, c in zip(body, caption))
