/* Compiled twin of corpus_tools.lexicon.match.Matcher.find_normalized and of the checks in
 * corpus_tools.text.normalize.normalize_for_tokens.
 *
 * The pure-Python code stays the reference: this module must give exactly the same tokens, word
 * counts, matches and resolution (tests/test_native.py compares both on every bundled entry). It holds
 * no state of its own: the tokenizer engine, the token caches and the compiled patterns all come from
 * Python in one context tuple (see corpus_tools/lexicon/native.py).
 *
 * Stretches and words follow the regular expressions in corpus_tools/text/tokenize.py:
 *   CJK stretch  [CJK][CJK\W\d_]*            (\W = not alnum and not '_', \d = Unicode decimal)
 *   Latin word   [^\W_CJK]+(?:['’\-.&+][^\W_CJK]+)*
 * using the same character predicates as Python's re module (Py_UNICODE_ISALNUM, Py_UNICODE_ISDECIMAL).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>

static inline int is_cjk(Py_UCS4 c)
{
    return (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff) ||
           (c >= 0x20000 && c <= 0x2fa1f);
}


static inline int is_joiner(Py_UCS4 c)
{
    return c == '\'' || c == 0x2019 || c == '-' || c == '.' || c == '&' || c == '+';
}

typedef struct {
    PyObject *tok; /* NULL for a Latin word not yet needed as an object */
    Py_ssize_t start, end;
    int code;
    int owned; /* tok is our reference (Latin words); CJK tokens are borrowed from the engine's list */
} Tok;

typedef struct {
    Py_ssize_t pidx, start, end, order;
    long lex, var, excl, tlen;
} Rec;

typedef struct {
    PyObject *cut, *hmm, *filter, *cands, *parts, *globs, *info, *out_type, *prefixes;
    /* from `filter`: bitmaps over BMP characters (first, last, any) and over hashed character pairs */
    const unsigned char *first, *last, *any, *pairs;
    const unsigned char *cls; /* per BMP character: CLS_* bits */
    int globs_in_use;         /* 1: some pattern starts with a suffix glob, 2: with an infix glob */
    PyObject *norm;
} Ctx;

#define FILTER_BYTES 8192
#define PAIR_BITS 20
#define PAIR_BYTES (1 << (PAIR_BITS - 3))
#define CLS_ALNUM 1
#define CLS_DECIMAL 2
#define CLS_STRETCH 4 /* may continue a CJK stretch: CJK, \W, \d or '_' */
#define CLS_WORDCH 8  /* a Latin word character: alnum, not CJK */
static inline int bit(const unsigned char *map, Py_UCS4 c) { return c > 0xffff || (map[c >> 3] >> (c & 7)) & 1; }

/* must equal Matcher._pair_hash */
static inline uint32_t pair_hash(Py_UCS4 a, Py_UCS4 b)
{
    return (((uint32_t)a * 0x9E3779B1u) ^ ((uint32_t)b * 0x85EBCA77u)) >> (32 - PAIR_BITS);
}

static inline int pair_bit(const unsigned char *map, Py_UCS4 a, Py_UCS4 b)
{
    uint32_t h = pair_hash(a, b);
    return (map[h >> 3] >> (h & 7)) & 1;
}

static inline int alnum(const unsigned char *cls, Py_UCS4 c)
{
    return c > 0xffff ? Py_UNICODE_ISALNUM(c) : cls[c] & CLS_ALNUM;
}

static inline int decimal(const unsigned char *cls, Py_UCS4 c)
{
    return c > 0xffff ? Py_UNICODE_ISDECIMAL(c) : cls[c] & CLS_DECIMAL;
}

static inline int in_stretch(const unsigned char *cls, Py_UCS4 c)
{
    return c > 0xffff ? is_cjk(c) || !Py_UNICODE_ISALNUM(c) || Py_UNICODE_ISDECIMAL(c) : cls[c] & CLS_STRETCH;
}

static inline int is_wordch(const unsigned char *cls, Py_UCS4 c)
{
    return c > 0xffff ? Py_UNICODE_ISALNUM(c) && !is_cjk(c) : cls[c] & CLS_WORDCH;
}


static int grow(void **v, Py_ssize_t *cap, Py_ssize_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    Py_ssize_t nc = *cap ? *cap : 256;
    while (nc < need)
        nc *= 2;
    void *nv = PyMem_Realloc(*v, (size_t)nc * size);
    if (nv == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *v = nv;
    *cap = nc;
    return 0;
}

/* value of mapping[key] as a new reference; dict subclasses with __missing__ fill themselves */
static PyObject *lookup(PyObject *mapping, PyObject *key)
{
    PyObject *v = PyDict_GetItemWithError(mapping, key);
    if (v != NULL) {
        Py_INCREF(v);
        return v;
    }
    if (PyErr_Occurred())
        return NULL;
    return PyObject_GetItem(mapping, key);
}

static PyObject *tok_obj(const Ctx *cx, Tok *t)
{
    if (t->tok == NULL) {
        t->tok = PyUnicode_Substring(cx->norm, t->start, t->end);
        t->owned = 1;
    }
    return t->tok;
}

/* does token `word` satisfy a pattern part with glob kind g (0 exact, 1 prefix, 2 suffix, 3 both)? */
static int part_matches(PyObject *word, PyObject *part, long g)
{
    switch (g) {
    case 0:
        return PyUnicode_Compare(word, part) == 0 ? 1 : (PyErr_Occurred() ? -1 : 0);
    case 1:
        return (int)PyUnicode_Tailmatch(word, part, 0, PY_SSIZE_T_MAX, -1);
    case 2:
        return (int)PyUnicode_Tailmatch(word, part, 0, PY_SSIZE_T_MAX, 1);
    default:
        return PyUnicode_Contains(word, part);
    }
}

static int get_long(PyObject *tuple, Py_ssize_t i, long *out)
{
    *out = PyLong_AsLong(PyTuple_GET_ITEM(tuple, i));
    return (*out == -1 && PyErr_Occurred()) ? -1 : 0;
}

/* record every pattern that matches starting at token i of a stretch */
static int match_at(const Ctx *cx, Tok *toks, Py_ssize_t n, Py_ssize_t i, Rec **recs, Py_ssize_t *nrec,
                    Py_ssize_t *cap)
{
    PyObject *word = tok_obj(cx, &toks[i]);
    if (word == NULL)
        return -1;
    PyObject *cand = lookup(cx->cands, word);
    if (cand == NULL)
        return -1;
    if (!PyTuple_Check(cand)) {
        Py_DECREF(cand);
        PyErr_SetString(PyExc_TypeError, "candidate patterns must be a tuple of indices");
        return -1;
    }
    Py_ssize_t nc = PyTuple_GET_SIZE(cand);
    for (Py_ssize_t c = 0; c < nc; c++) {
        Py_ssize_t pidx = PyLong_AsSsize_t(PyTuple_GET_ITEM(cand, c));
        if (pidx == -1 && PyErr_Occurred())
            goto fail;
        PyObject *parts = PyList_GET_ITEM(cx->parts, pidx);
        PyObject *globs = PyList_GET_ITEM(cx->globs, pidx);
        Py_ssize_t np = PyTuple_GET_SIZE(parts);
        Py_ssize_t j = i, end = toks[i].end;
        int ok = 1;
        for (Py_ssize_t k = 1; k < np; k++) {
            j++;
            while (j < n && toks[j].code == 0) /* spaces and punctuation inside CJK stretches */
                j++;
            if (j >= n) {
                ok = 0;
                break;
            }
            long g;
            if (get_long(globs, k, &g) < 0)
                goto fail;
            PyObject *wj = tok_obj(cx, &toks[j]);
            if (wj == NULL)
                goto fail;
            int m = part_matches(wj, PyTuple_GET_ITEM(parts, k), g);
            if (m < 0)
                goto fail;
            if (!m) {
                ok = 0;
                break;
            }
            end = toks[j].end;
        }
        if (!ok)
            continue;
        if (grow((void **)recs, cap, *nrec + 1, sizeof(Rec)) < 0)
            goto fail;
        Rec *r = &(*recs)[*nrec];
        PyObject *info = PyList_GET_ITEM(cx->info, pidx);
        r->pidx = pidx;
        r->start = toks[i].start;
        r->end = end;
        r->order = *nrec;
        if (get_long(info, 0, &r->lex) < 0 || get_long(info, 1, &r->var) < 0 || get_long(info, 2, &r->excl) < 0 ||
            get_long(info, 3, &r->tlen) < 0)
            goto fail;
        (*nrec)++;
    }
    Py_DECREF(cand);
    return 0;
fail:
    Py_DECREF(cand);
    return -1;
}

/* Token codes as Matcher._Codes gives them: 0 no letter/digit/ideograph, 1 a word, 2 a word that may
 * start a pattern. The bitmaps only rule candidates out (first two characters of exact and prefix
 * parts, or the first one when a part is one character long; last character of suffix parts; any
 * character for infix parts); match_at decides from the patterns. */
static int classify(const Ctx *cx, int kind, const void *data, Py_ssize_t start, Py_ssize_t end)
{
    Py_ssize_t i;
    int word = 0;
    for (i = start; i < end && !word; i++)
        word = alnum(cx->cls, PyUnicode_READ(kind, data, i));
    if (!word)
        return 0;
    Py_UCS4 c0 = PyUnicode_READ(kind, data, start);
    if (bit(cx->first, c0) || (end - start > 1 && pair_bit(cx->pairs, c0, PyUnicode_READ(kind, data, start + 1))))
        return 2;
    if ((cx->globs_in_use & 1) && bit(cx->last, PyUnicode_READ(kind, data, end - 1)))
        return 2;
    if (cx->globs_in_use & 2)
        for (i = start; i < end; i++)
            if (bit(cx->any, PyUnicode_READ(kind, data, i)))
                return 2;
    return 1;
}

/* collect the matches of a classified stretch, then drop the token references it owns */
static int match_stretch(const Ctx *cx, Tok *toks, Py_ssize_t n, int any_cand, Rec **recs, Py_ssize_t *nrec,
                         Py_ssize_t *cap)
{
    int rc = 0;
    Py_ssize_t i;
    for (i = 0; any_cand && rc == 0 && i < n; i++)
        if (toks[i].code == 2 && match_at(cx, toks, n, i, recs, nrec, cap) < 0)
            rc = -1;
    for (i = 0; i < n; i++)
        if (toks[i].owned)
            Py_CLEAR(toks[i].tok);
    return rc;
}

static int cmp_resolve(const void *a, const void *b)
{
    const Rec *x = a, *y = b;
    if (x->lex != y->lex)
        return x->lex < y->lex ? -1 : 1;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    Py_ssize_t lx = x->end - x->start, ly = y->end - y->start;
    if (lx != ly)
        return lx > ly ? -1 : 1;
    if (x->tlen != y->tlen)
        return x->tlen > y->tlen ? -1 : 1;
    return x->order < y->order ? -1 : (x->order > y->order);
}

static int cmp_output(const void *a, const void *b)
{
    const Rec *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->lex != y->lex)
        return x->lex < y->lex ? -1 : 1;
    return x->order < y->order ? -1 : (x->order > y->order);
}

/* Matcher._resolve: exclusions cancel term matches of their variable inside them; per lexicon the
 * leftmost-longest match wins; output ordered by (start, lexicon). `recs` is rewritten in place with the
 * kept matches first; returns how many were kept, or -1 on error. */
static Py_ssize_t resolve(Rec *recs, Py_ssize_t n)
{
    Py_ssize_t i, k, m = 0, kept = 0, endp = -1;
    int simple = 1;
    for (i = 0; i < n; i++) {
        if (recs[i].start < endp || recs[i].excl) {
            simple = 0;
            break;
        }
        endp = recs[i].end;
    }
    if (simple) /* disjoint in scan order, no exclusion: everything is kept, already in output order */
        return n;
    Rec *terms = PyMem_Malloc(sizeof(Rec) * (size_t)n);
    if (terms == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    long maxlex = 0;
    for (i = 0; i < n; i++) {
        if (recs[i].excl)
            continue;
        int dropped = 0;
        for (k = 0; k < n && !dropped; k++)
            dropped = recs[k].excl && recs[k].var == recs[i].var && recs[k].start <= recs[i].start &&
                      recs[i].end <= recs[k].end;
        if (!dropped) {
            terms[m] = recs[i];
            terms[m].order = m;
            if (terms[m].lex > maxlex)
                maxlex = terms[m].lex;
            m++;
        }
    }
    qsort(terms, (size_t)m, sizeof(Rec), cmp_resolve);
    Py_ssize_t *covered = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(maxlex + 1));
    if (covered == NULL) {
        PyMem_Free(terms);
        PyErr_NoMemory();
        return -1;
    }
    for (i = 0; i <= maxlex; i++)
        covered[i] = -1;
    for (i = 0; i < m; i++) {
        if (terms[i].start >= covered[terms[i].lex]) {
            covered[terms[i].lex] = terms[i].end;
            recs[kept] = terms[i];
            recs[kept].order = kept;
            kept++;
        }
    }
    PyMem_Free(covered);
    PyMem_Free(terms);
    qsort(recs, (size_t)kept, sizeof(Rec), cmp_output);
    return kept;
}

static int unpack_ctx(PyObject *t, Ctx *cx)
{
    if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 9) {
        PyErr_SetString(PyExc_TypeError, "context must be a 9-tuple");
        return -1;
    }
    cx->cut = PyTuple_GET_ITEM(t, 0);
    cx->hmm = PyTuple_GET_ITEM(t, 1);
    cx->filter = PyTuple_GET_ITEM(t, 2);
    cx->cands = PyTuple_GET_ITEM(t, 3);
    cx->parts = PyTuple_GET_ITEM(t, 4);
    cx->globs = PyTuple_GET_ITEM(t, 5);
    cx->info = PyTuple_GET_ITEM(t, 6);
    cx->out_type = PyTuple_GET_ITEM(t, 7);
    cx->prefixes = PyTuple_GET_ITEM(t, 8);
    if (!PyBytes_Check(cx->filter) || PyBytes_GET_SIZE(cx->filter) != 3 * FILTER_BYTES + PAIR_BYTES + 65536 + 1) {
        PyErr_SetString(PyExc_TypeError, "filter must hold 3 character bitmaps, a pair bitmap and a class table");
        return -1;
    }
    cx->first = (const unsigned char *)PyBytes_AS_STRING(cx->filter);
    cx->last = cx->first + FILTER_BYTES;
    cx->any = cx->last + FILTER_BYTES;
    cx->pairs = cx->any + FILTER_BYTES;
    cx->cls = cx->pairs + PAIR_BYTES;
    cx->globs_in_use = cx->cls[65536];
    if (!PyDict_Check(cx->cands) || !PyList_Check(cx->parts) ||
        !PyList_Check(cx->globs) || !PyList_Check(cx->info) || !PyList_Check(cx->prefixes) ||
        !PyType_Check(cx->out_type) || !PyType_IsSubtype((PyTypeObject *)cx->out_type, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "malformed matcher context");
        return -1;
    }
    Py_ssize_t np = PyList_GET_SIZE(cx->parts);
    if (PyList_GET_SIZE(cx->globs) != np || PyList_GET_SIZE(cx->info) != np || PyList_GET_SIZE(cx->prefixes) != np) {
        PyErr_SetString(PyExc_ValueError, "matcher context lists differ in length");
        return -1;
    }
    return 0;
}

/* one output object: out_type(*prefixes[pidx], start, end) built like tuple.__new__ does */
static PyObject *make_out(const Ctx *cx, const Rec *r)
{
    PyObject *pre = PyList_GET_ITEM(cx->prefixes, r->pidx);
    if (!PyTuple_Check(pre)) {
        PyErr_SetString(PyExc_TypeError, "prefixes must be tuples");
        return NULL;
    }
    Py_ssize_t m = PyTuple_GET_SIZE(pre);
    PyTypeObject *tp = (PyTypeObject *)cx->out_type;
    PyObject *s = PyLong_FromSsize_t(r->start), *e = PyLong_FromSsize_t(r->end);
    if (s == NULL || e == NULL) {
        Py_XDECREF(s);
        Py_XDECREF(e);
        return NULL;
    }
    PyObject *obj = tp->tp_alloc(tp, m + 2);
    if (obj == NULL) {
        Py_DECREF(s);
        Py_DECREF(e);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < m; i++) {
        PyObject *it = PyTuple_GET_ITEM(pre, i);
        Py_INCREF(it);
        PyTuple_SET_ITEM(obj, i, it);
    }
    PyTuple_SET_ITEM(obj, m, s);
    PyTuple_SET_ITEM(obj, m + 1, e);
    return obj;
}

PyDoc_STRVAR(scan_doc, "scan(norm, ctx) -> (matches, n_words)\n\n"
                       "Tokenize normalised text and match compiled lexicon patterns (see lexicon/native.py).");

static PyObject *scan(PyObject *self, PyObject *args)
{
    PyObject *norm, *ctxt;
    Ctx cx;
    if (!PyArg_ParseTuple(args, "UO:scan", &norm, &ctxt) || unpack_ctx(ctxt, &cx) < 0)
        return NULL;
    cx.norm = norm;
    int kind = PyUnicode_KIND(norm);
    const void *data = PyUnicode_DATA(norm);
    Py_ssize_t len = PyUnicode_GET_LENGTH(norm), pos = 0, n_words = 0;
    Tok *toks = NULL;
    Rec *recs = NULL;
    Py_ssize_t tcap = 0, rcap = 0, nrec = 0, ntok = 0, i;
    int rc;
    PyObject *result = NULL, *list = NULL;

    while (pos < len) {
        Py_ssize_t s = pos;
        while (s < len && !is_cjk(PyUnicode_READ(kind, data, s)))
            s++;
        if (s > pos) { /* a Latin stretch: words by the word pattern */
            int any_cand = 0;
            ntok = 0;
            i = pos;
            while (i < s) {
                if (!is_wordch(cx.cls, PyUnicode_READ(kind, data, i))) {
                    i++;
                    continue;
                }
                Py_ssize_t st = i++;
                while (i < s && is_wordch(cx.cls, PyUnicode_READ(kind, data, i)))
                    i++;
                while (i + 1 < s && is_joiner(PyUnicode_READ(kind, data, i)) &&
                       is_wordch(cx.cls, PyUnicode_READ(kind, data, i + 1))) {
                    i += 2;
                    while (i < s && is_wordch(cx.cls, PyUnicode_READ(kind, data, i)))
                        i++;
                }
                if (grow((void **)&toks, &tcap, ntok + 1, sizeof(Tok)) < 0)
                    goto fail_tokens;
                toks[ntok].tok = NULL;
                toks[ntok].owned = 0;
                toks[ntok].start = st;
                toks[ntok].end = i;
                toks[ntok].code = classify(&cx, kind, data, st, i);
                any_cand |= toks[ntok].code == 2;
                n_words++;
                ntok++;
            }
            if (match_stretch(&cx, toks, ntok, any_cand, &recs, &nrec, &rcap) < 0)
                goto fail;
        }
        if (s >= len)
            break;
        Py_ssize_t e = s + 1;
        while (e < len && in_stretch(cx.cls, PyUnicode_READ(kind, data, e)))
            e++;
        /* a CJK stretch: the segmentation engine's tokens cover every character */
        PyObject *run = PyUnicode_Substring(norm, s, e);
        if (run == NULL)
            goto fail;
        PyObject *res = PyObject_CallFunctionObjArgs(cx.cut, run, cx.hmm, NULL);
        Py_DECREF(run);
        if (res == NULL)
            goto fail;
        PyObject *seq = PySequence_Fast(res, "the segmentation engine must return a sequence");
        Py_DECREF(res);
        if (seq == NULL)
            goto fail;
        ntok = PySequence_Fast_GET_SIZE(seq);
        if (grow((void **)&toks, &tcap, ntok, sizeof(Tok)) < 0) {
            Py_DECREF(seq);
            goto fail;
        }
        PyObject **items = PySequence_Fast_ITEMS(seq);
        Py_ssize_t p = s;
        int any_cand = 0;
        for (i = 0; i < ntok; i++) {
            PyObject *t = items[i];
            if (!PyUnicode_Check(t)) {
                Py_DECREF(seq);
                PyErr_SetString(PyExc_TypeError, "the segmentation engine returned a non-string token");
                goto fail;
            }
            Py_ssize_t tl = PyUnicode_GET_LENGTH(t);
            toks[i].tok = t;
            toks[i].owned = 0;
            toks[i].start = p;
            toks[i].end = p + tl;
            toks[i].code = tl ? classify(&cx, PyUnicode_KIND(t), PyUnicode_DATA(t), 0, tl) : 0;
            any_cand |= toks[i].code == 2;
            n_words += toks[i].code != 0;
            p += tl;
        }
        if (p != e) {
            Py_DECREF(seq);
            PyErr_Format(PyExc_ValueError, "segmentation lost characters: tokens cover %zd of %zd", p - s, e - s);
            goto fail;
        }
        rc = match_stretch(&cx, toks, ntok, any_cand, &recs, &nrec, &rcap);
        Py_DECREF(seq); /* after matching: the tokens are borrowed from it */
        if (rc < 0)
            goto fail;
        pos = e;
    }

    Py_ssize_t kept = resolve(recs, nrec);
    if (kept < 0)
        goto fail;
    list = PyList_New(kept);
    if (list == NULL)
        goto fail;
    for (i = 0; i < kept; i++) {
        PyObject *o = make_out(&cx, &recs[i]);
        if (o == NULL)
            goto fail;
        PyList_SET_ITEM(list, i, o);
    }
    result = Py_BuildValue("(On)", list, n_words);
    Py_DECREF(list);
    list = NULL;
    PyMem_Free(toks);
    PyMem_Free(recs);
    return result;

fail_tokens: /* Latin words own no objects before matching */
fail:
    Py_XDECREF(list);
    PyMem_Free(toks);
    PyMem_Free(recs);
    return NULL;
}

PyDoc_STRVAR(needs_doc, "needs(text, table) -> int\n\n"
                        "OR of table[ord(c)] over the characters of text (BMP); characters beyond the BMP add 4.");

static PyObject *needs(PyObject *self, PyObject *args)
{
    PyObject *text;
    Py_buffer table;
    if (!PyArg_ParseTuple(args, "Uy*:needs", &text, &table))
        return NULL;
    if (table.len != 65536) {
        PyBuffer_Release(&table);
        PyErr_SetString(PyExc_ValueError, "table must have 65536 entries");
        return NULL;
    }
    const unsigned char *tab = table.buf;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    unsigned int flags = 0;
    if (kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *d = data;
        for (Py_ssize_t i = 0; i < len; i++)
            flags |= tab[d[i]];
    }
    else if (kind == PyUnicode_2BYTE_KIND) {
        const Py_UCS2 *d = data;
        for (Py_ssize_t i = 0; i < len; i++)
            flags |= tab[d[i]];
    }
    else {
        const Py_UCS4 *d = data;
        for (Py_ssize_t i = 0; i < len; i++)
            flags |= d[i] > 0xffff ? 4u : tab[d[i]];
    }
    PyBuffer_Release(&table);
    return PyLong_FromUnsignedLong(flags);
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS, scan_doc},
    {"needs", needs, METH_VARARGS, needs_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "corpus_tools._speedups", "Compiled twins of the tokenize/match hot loops.", -1, methods,
};

PyMODINIT_FUNC PyInit__speedups(void) { return PyModule_Create(&moduledef); }
