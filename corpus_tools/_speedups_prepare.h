/* Normalisation for the compiled scan, for corpus_tools/_speedups.c: the C twin of the checks and folding in
 * corpus_tools.text.normalize (`_prepare_reference` there is the Python reference; tests/text/test_prepare.py
 * compares the two). Included once, by _speedups.c.
 *
 * One pass ORs the per-character flags of a table built in Python (width folding, t2s, lower-casing,
 * typographic quotes). Texts that need neither folding nor t2s come back as they are (most English and
 * Simplified texts: lower-casing is left to the scan). Folding maps one character to one character through a
 * table built from the same dict as `str.translate` uses; t2s runs only on the lines that hold a character t2s
 * changes, as `_to_simplified_lines` does, either through OpenCC's own tables (T2S below, built and checked in
 * corpus_tools.text.normalize._t2s_tables) or through a Python callable (OpenCC with its length-preserving
 * fallback, also used for the lines the tables leave alone), and the converted lines are spliced into the
 * result without splitting and joining the text in Python. */
#ifndef CORPUS_TOOLS_PREPARE_H
#define CORPUS_TOOLS_PREPARE_H

/* the flags of corpus_tools.text.normalize (_NEEDS_*) */
#define NEEDS_WIDTH 1
#define NEEDS_T2S 2
#define NEEDS_LOWER 4
#define NEEDS_HARD_LOWER 8
#define NEEDS_QUOTES 16
#define NEEDS_TABLE 65536

/* OR of tab[c] over text[a, b); characters beyond the BMP add NEEDS_LOWER | NEEDS_HARD_LOWER */
static unsigned int needs_range(const unsigned char *tab, int kind, const void *data, Py_ssize_t a, Py_ssize_t b)
{
    unsigned int flags = 0;
    Py_ssize_t i;
    if (kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *d = data;
        for (i = a; i < b; i++)
            flags |= tab[d[i]];
    }
    else if (kind == PyUnicode_2BYTE_KIND) {
        const Py_UCS2 *d = data;
        for (i = a; i < b; i++)
            flags |= tab[d[i]];
    }
    else {
        const Py_UCS4 *d = data;
        for (i = a; i < b; i++)
            flags |= d[i] > 0xffff ? NEEDS_LOWER | NEEDS_HARD_LOWER : tab[d[i]];
    }
    return flags;
}

/* text with each BMP character c replaced by fold[c]: every character (`all`, full-width folding) or only the
 * typographic quotes (flagged NEEDS_QUOTES in tab); a new reference, the narrowest kind as Python makes it.
 * Latin-1 text holds neither (they are all above U+00FF), so it only ever comes here by mistake. */
static PyObject *fold_text(PyObject *text, const unsigned char *tab, const uint16_t *fold, int all)
{
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t len = PyUnicode_GET_LENGTH(text), i;
    if (kind == PyUnicode_2BYTE_KIND) { /* most texts: fold into a 2-byte string, narrow it if it can be */
        const Py_UCS2 *d = data;
        PyObject *out = PyUnicode_New(len, 0xffff);
        if (out == NULL)
            return NULL;
        Py_UCS2 *o = PyUnicode_2BYTE_DATA(out), maxc = 0;
        if (all)
            for (i = 0; i < len; i++) {
                Py_UCS2 f = fold[d[i]];
                o[i] = f;
                maxc = f > maxc ? f : maxc;
            }
        else
            for (i = 0; i < len; i++) {
                Py_UCS2 c = d[i], f = tab[c] & NEEDS_QUOTES ? fold[c] : c;
                o[i] = f;
                maxc = f > maxc ? f : maxc;
            }
        if (maxc > 0xff)
            return out;
        PyObject *narrow = PyUnicode_New(len, maxc); /* e.g. English with curly quotes: now Latin-1 */
        if (narrow != NULL) {
            Py_UCS1 *n = PyUnicode_1BYTE_DATA(narrow);
            for (i = 0; i < len; i++)
                n[i] = (Py_UCS1)o[i];
        }
        Py_DECREF(out);
        return narrow;
    }
    Py_UCS4 maxc = 0;
#define FOLDED(c) ((c) <= 0xffff && (all || (tab[(c)] & NEEDS_QUOTES)) ? (Py_UCS4)fold[(c)] : (c))
    for (i = 0; i < len; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i), f = FOLDED(c);
        if (f > maxc)
            maxc = f;
    }
    PyObject *out = PyUnicode_New(len, maxc);
    if (out == NULL)
        return NULL;
    int okind = PyUnicode_KIND(out);
    void *odata = PyUnicode_DATA(out);
    for (i = 0; i < len; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        PyUnicode_WRITE(okind, odata, i, FOLDED(c));
    }
#undef FOLDED
    return out;
}

/* the largest code point of text[a, b) */
static Py_UCS4 max_char(PyObject *text, Py_ssize_t a, Py_ssize_t b)
{
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_UCS4 m = 0;
    Py_ssize_t i;
    if (kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *d = data;
        for (i = a; i < b; i++)
            m = d[i] > m ? d[i] : m;
    }
    else if (kind == PyUnicode_2BYTE_KIND) {
        const Py_UCS2 *d = data;
        for (i = a; i < b; i++)
            m = d[i] > m ? d[i] : m;
    }
    else {
        const Py_UCS4 *d = data;
        for (i = a; i < b; i++)
            m = d[i] > m ? d[i] : m;
    }
    return m;
}

/* the next line break at or after i (len when none) */
static Py_ssize_t next_newline(int kind, const void *data, Py_ssize_t i, Py_ssize_t len)
{
    if (kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *p = memchr((const Py_UCS1 *)data + i, '\n', (size_t)(len - i));
        return p ? p - (const Py_UCS1 *)data : len;
    }
    if (kind == PyUnicode_2BYTE_KIND) {
        const Py_UCS2 *d = data;
        while (i < len && d[i] != '\n')
            i++;
        return i;
    }
    const Py_UCS4 *d = data;
    while (i < len && d[i] != '\n')
        i++;
    return i;
}

/* convert(piece) as a new reference, checked to be a str of the piece's length (offsets must not move) */
static PyObject *convert_piece(PyObject *convert, PyObject *piece)
{
    PyObject *r = PyObject_CallOneArg(convert, piece);
    if (r == NULL)
        return NULL;
    if (!PyUnicode_Check(r) || PyUnicode_GET_LENGTH(r) != PyUnicode_GET_LENGTH(piece)) {
        Py_DECREF(r);
        PyErr_SetString(PyExc_ValueError, "t2s must return a str of the same length");
        return NULL;
    }
    return r;
}

/* OpenCC's t2s as tables (built and checked against OpenCC in corpus_tools.text.normalize._t2s_tables):
 * maximum forward matching of its phrases, else its one-character conversions. Lines holding a character it
 * does not cover (flag `unsafe`: beyond the BMP, compatibility ideographs, description sequences, variation
 * selectors, characters whose conversion is not one character) go to OpenCC itself. */
typedef struct {
    const uint32_t *chars;         /* 65536: each BMP character's conversion */
    const unsigned char *pstart;   /* bitmap: first characters of phrases */
    const unsigned char *unsafe;   /* bitmap: characters left to OpenCC */
    const uint32_t *first, *off;   /* per phrase, sorted by first character then length (longest first) */
    const unsigned char *plen;
    const uint32_t *blob;          /* keys, then at off + plen the values */
    Py_ssize_t nphrases, nblob;
} T2S;

#define T2S_FIELDS 7

static int unpack_t2s(PyObject *t, T2S *tt)
{
    if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != T2S_FIELDS + 1) {
        PyErr_SetString(PyExc_TypeError, "t2s tables must be an 8-tuple");
        return -1;
    }
    for (int k = 0; k < T2S_FIELDS; k++)
        if (!PyBytes_Check(PyTuple_GET_ITEM(t, k))) {
            PyErr_SetString(PyExc_TypeError, "t2s tables must be bytes");
            return -1;
        }
#define B(k) ((const void *)PyBytes_AS_STRING(PyTuple_GET_ITEM(t, k)))
#define N(k) PyBytes_GET_SIZE(PyTuple_GET_ITEM(t, k))
    tt->chars = B(0);
    tt->pstart = B(1);
    tt->unsafe = B(2);
    tt->first = B(3);
    tt->off = B(4);
    tt->plen = B(5);
    tt->blob = B(6);
    tt->nphrases = N(5);
    tt->nblob = N(6) / 4;
    if (N(0) != 65536 * 4 || N(1) != 8192 || N(2) != 8192 || N(3) != tt->nphrases * 4 || N(4) != tt->nphrases * 4 ||
        N(6) % 4) {
        PyErr_SetString(PyExc_ValueError, "malformed t2s tables");
        return -1;
    }
    for (Py_ssize_t k = 0; k < tt->nphrases; k++)
        if ((Py_ssize_t)tt->off[k] + 2 * (Py_ssize_t)tt->plen[k] > tt->nblob || tt->plen[k] < 2) {
            PyErr_SetString(PyExc_ValueError, "malformed t2s phrase table");
            return -1;
        }
#undef B
#undef N
    return 0;
}

static inline int bit8k(const unsigned char *map, Py_UCS4 c) { return (map[c >> 3] >> (c & 7)) & 1; }

/* text[a, b) converted by the tables into a new str, or NULL with no error set when a character is unsafe */
static PyObject *t2s_table_convert(const T2S *tt, PyObject *text, Py_ssize_t a, Py_ssize_t b)
{
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = b - a, i;
    for (i = a; i < b; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c > 0xffff || bit8k(tt->unsafe, c))
            return NULL;
    }
    Py_UCS4 *out = PyMem_Malloc(sizeof(Py_UCS4) * (size_t)(n ? n : 1));
    if (out == NULL)
        return PyErr_NoMemory();
    i = a;
    while (i < b) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        Py_ssize_t used = 0;
        if (bit8k(tt->pstart, c)) { /* the phrases starting with c: first index by binary search */
            Py_ssize_t lo = 0, hi = tt->nphrases;
            while (lo < hi) {
                Py_ssize_t mid = (lo + hi) / 2;
                if (tt->first[mid] < c)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            for (Py_ssize_t k = lo; k < tt->nphrases && tt->first[k] == c && !used; k++) {
                Py_ssize_t len = tt->plen[k], j;
                if (i + len > b)
                    continue;
                const uint32_t *key = tt->blob + tt->off[k];
                for (j = 1; j < len && PyUnicode_READ(kind, data, i + j) == key[j]; j++)
                    ;
                if (j == len) {
                    memcpy(out + (i - a), key + len, sizeof(Py_UCS4) * (size_t)len);
                    used = len;
                }
            }
        }
        if (!used) {
            out[i - a] = tt->chars[c];
            used = 1;
        }
        i += used;
    }
    PyObject *r = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, n);
    PyMem_Free(out);
    return r;
}

typedef struct {
    Py_ssize_t a, b;
    PyObject *conv; /* owned */
} Piece;

/* `_to_simplified_lines`: convert(text) when it has fewer than three lines, else convert(line) for each line
 * holding a character flagged NEEDS_T2S, the other lines unchanged; a new reference */
static PyObject *t2s_lines(PyObject *text, const unsigned char *tab, PyObject *convert, const T2S *tt)
{
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t len = PyUnicode_GET_LENGTH(text), first = next_newline(kind, data, 0, len);
    if (first >= len || next_newline(kind, data, first + 1, len) >= len) { /* fewer than three lines */
        PyObject *r = tt != NULL ? t2s_table_convert(tt, text, 0, len) : NULL;
        return r != NULL || PyErr_Occurred() ? r : convert_piece(convert, text);
    }
    Piece *pieces = NULL;
    Py_ssize_t np = 0, cap = 0, a = 0;
    PyObject *out = NULL;
    while (a <= len) { /* each line [a, b), b at the newline or the end */
        Py_ssize_t b = next_newline(kind, data, a, len);
        if (needs_range(tab, kind, data, a, b) & NEEDS_T2S) {
            if (grow((void **)&pieces, &cap, np + 1, sizeof(Piece)) < 0)
                goto done;
            PyObject *conv = tt != NULL ? t2s_table_convert(tt, text, a, b) : NULL;
            if (conv == NULL) {
                if (PyErr_Occurred())
                    goto done;
                PyObject *line = PyUnicode_Substring(text, a, b);
                if (line == NULL)
                    goto done;
                conv = convert_piece(convert, line);
                Py_DECREF(line);
                if (conv == NULL)
                    goto done;
            }
            pieces[np].a = a;
            pieces[np].b = b;
            pieces[np++].conv = conv;
        }
        a = b + 1;
    }
    Py_UCS4 maxc = 0, m;
    Py_ssize_t pos = 0, k;
    for (k = 0; k <= np; k++) { /* the unconverted stretch before piece k (or the end), then piece k */
        Py_ssize_t end = k < np ? pieces[k].a : len;
        if ((m = max_char(text, pos, end)) > maxc)
            maxc = m;
        if (k < np) {
            if ((m = max_char(pieces[k].conv, 0, PyUnicode_GET_LENGTH(pieces[k].conv))) > maxc)
                maxc = m;
            pos = pieces[k].b;
        }
    }
    out = PyUnicode_New(len, maxc);
    if (out == NULL)
        goto done;
    pos = 0;
    for (k = 0; k <= np; k++) {
        Py_ssize_t end = k < np ? pieces[k].a : len;
        if (end > pos && PyUnicode_CopyCharacters(out, pos, text, pos, end - pos) < 0)
            goto fail;
        if (k < np) {
            Py_ssize_t n = pieces[k].b - pieces[k].a;
            if (n && PyUnicode_CopyCharacters(out, pieces[k].a, pieces[k].conv, 0, n) < 0)
                goto fail;
            pos = pieces[k].b;
        }
    }
    goto done;
fail:
    Py_CLEAR(out);
done:
    for (k = 0; k < np; k++)
        Py_DECREF(pieces[k].conv);
    PyMem_Free(pieces);
    return out;
}

PyDoc_STRVAR(prepare_doc, "prepare(table, fold, convert, lower, text) -> (str, lower_words)\n\n"
                          "The text the compiled scan works on: full-width folding through `fold` (65536 uint16)\n"
                          "when a character flags it in `table`, else typographic quotes only; then, when a\n"
                          "character flags t2s and `convert` is not None, convert(line) on the lines that need it\n"
                          "(the whole text when it has fewer than three lines); then lower(text) when lower-casing\n"
                          "cannot be left to the scan. `lower_words`: the scan must lower-case Latin words.\n"
                          "The settings come first so that functools.partial can bind them.");

static PyObject *prepare(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "prepare(table, fold, convert, lower, text) takes 5 arguments");
        return NULL;
    }
    PyObject *convert = args[2], *lower = args[3], *text = args[4], *out;
    if (!PyBytes_Check(args[0]) || PyBytes_GET_SIZE(args[0]) != NEEDS_TABLE || !PyBytes_Check(args[1]) ||
        PyBytes_GET_SIZE(args[1]) != NEEDS_TABLE * (Py_ssize_t)sizeof(uint16_t)) {
        PyErr_SetString(PyExc_TypeError, "table must be 65536 bytes and fold 65536 16-bit code points (bytes)");
        return NULL;
    }
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "prepare() needs a str, not %.100s", Py_TYPE(text)->tp_name);
        return NULL;
    }
    const unsigned char *tab = (const unsigned char *)PyBytes_AS_STRING(args[0]);
    const uint16_t *fmap = (const uint16_t *)PyBytes_AS_STRING(args[1]);
    unsigned int flags = needs_range(tab, PyUnicode_KIND(text), PyUnicode_DATA(text), 0,
                                     PyUnicode_GET_LENGTH(text));
    if (flags & (NEEDS_WIDTH | NEEDS_QUOTES))
        out = fold_text(text, tab, fmap, flags & NEEDS_WIDTH);
    else {
        out = text;
        Py_INCREF(out);
    }
    if (out != NULL && (flags & NEEDS_T2S) && convert != Py_None) {
        T2S tt, *ttp = NULL;
        if (PyTuple_Check(convert)) { /* OpenCC as tables, with OpenCC itself (the last item) for the rest */
            if (unpack_t2s(convert, &tt) < 0) {
                Py_DECREF(out);
                return NULL;
            }
            ttp = &tt;
            convert = PyTuple_GET_ITEM(convert, T2S_FIELDS);
        }
        Py_SETREF(out, t2s_lines(out, tab, convert, ttp));
        if (out != NULL)
            flags = needs_range(tab, PyUnicode_KIND(out), PyUnicode_DATA(out), 0, PyUnicode_GET_LENGTH(out));
    }
    if (out != NULL && (flags & NEEDS_HARD_LOWER)) {
        Py_SETREF(out, PyObject_CallOneArg(lower, out));
        flags = 0;
        if (out != NULL && !PyUnicode_Check(out)) {
            Py_CLEAR(out);
            PyErr_SetString(PyExc_TypeError, "lower must return a str");
        }
    }
    if (out == NULL)
        return NULL;
    return Py_BuildValue("(NO)", out, (flags & NEEDS_LOWER) ? Py_True : Py_False); /* steals out */
}

#endif
