/* Compiled twin of corpus_tools.lexicon.match.Matcher.find_normalized, of the negation scope pass
 * (NegationScope.split in corpus_tools/lexicon/negation.py, see _speedups_negation.h) and of the checks in
 * corpus_tools.text.normalize.normalize_for_tokens.
 *
 * The pure-Python code stays the reference: this module must give exactly the same tokens, word
 * counts, matches and resolution (tests/lexicon/test_native.py compares both on every bundled entry). It holds
 * no state of its own: the tokenizer engine, the token caches and the compiled patterns all come from
 * Python in one context tuple (see Matcher.native_context in corpus_tools/lexicon/match.py).
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
#include <string.h>

#include "_speedups_resolve.h"
#include "_speedups_shingles.h"

#if defined(_MSC_VER)
#define ALWAYS_INLINE static __forceinline
#else
#define ALWAYS_INLINE static inline __attribute__((always_inline))
#endif

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
    PyObject *cut, *hmm, *filter, *cands, *parts, *globs, *info_obj, *out_type, *prefixes;
    const int32_t *info; /* INFO_FIELDS per pattern, from `info_obj` */
    Py_ssize_t n_patterns;
    /* from `filter` (built by Matcher._start_filter): bitmaps over hashed whole tokens (exact) and
     * token prefixes (prefix) and reversed token suffixes (suffix), over BMP characters (last, any), the
     * prefix and suffix lengths in use */
    const unsigned char *exact, *prefix, *suffix, *last, *any;
    uint64_t prefix_lens, suffix_lens;
    const unsigned char *cls; /* per BMP character: CLS_* bits */
    const uint16_t *lower;    /* per BMP character: its lower case (when that is one BMP character) */
    int globs_in_use;         /* 1: some pattern starts with a suffix glob, 2: with an infix glob, 4: with a
                               * prefix of 64 characters or more, 8: with such a suffix */
    int lower_words;          /* the text is not lower-cased yet: lower-case Latin words on the way */
    PyObject *norm;
} Ctx;

#define INFO_FIELDS 5 /* per pattern: lexicon rank, variable index, exclusion, term length, parts */
#define FILTER_BYTES 8192
#define HASH_BITS 20
#define HASH_BYTES (1 << (HASH_BITS - 3))
#define FNV_OFFSET 2166136261u
#define FNV_PRIME 16777619u
#define CLS_ALNUM 1
#define CLS_DECIMAL 2
#define CLS_STRETCH 4 /* may continue a CJK stretch: CJK, \W, \d or '_' */
#define CLS_WORDCH 8  /* a Latin word character: alnum, not CJK */
#define CLS_CJK 16    /* an ideograph of the CJK ranges above */
static inline int bit(const unsigned char *map, Py_UCS4 c) { return c > 0xffff || (map[c >> 3] >> (c & 7)) & 1; }

/* FNV-1a over code points, folded to HASH_BITS: must equal lexicon.match._fnv */
static inline uint32_t fnv_step(uint32_t h, Py_UCS4 c) { return (h ^ (uint32_t)c) * FNV_PRIME; }

static inline int hash_bit(const unsigned char *map, uint32_t h)
{
    h >>= 32 - HASH_BITS;
    return (map[h >> 3] >> (h & 7)) & 1;
}

static inline int alnum(const unsigned char *cls, Py_UCS4 c)
{
    return c > 0xffff ? Py_UNICODE_ISALNUM(c) : cls[c] & CLS_ALNUM;
}

static inline int in_stretch(const unsigned char *cls, Py_UCS4 c)
{
    return c > 0xffff ? is_cjk(c) || !Py_UNICODE_ISALNUM(c) || Py_UNICODE_ISDECIMAL(c) : cls[c] & CLS_STRETCH;
}

static inline int is_wordch(const unsigned char *cls, Py_UCS4 c)
{
    return c > 0xffff ? Py_UNICODE_ISALNUM(c) && !is_cjk(c) : cls[c] & CLS_WORDCH;
}

/* first ideograph at or after i (len if none) */
static Py_ssize_t next_cjk(const Ctx *cx, int kind, const void *data, Py_ssize_t i, Py_ssize_t len)
{
    if (kind == PyUnicode_1BYTE_KIND) /* Latin-1 holds no ideographs */
        return len;
    if (kind == PyUnicode_2BYTE_KIND) {
        const Py_UCS2 *d = data;
        while (i < len && !(cx->cls[d[i]] & CLS_CJK))
            i++;
        return i;
    }
    const Py_UCS4 *d = data;
    while (i < len && !is_cjk(d[i]))
        i++;
    return i;
}

/* end of the CJK stretch that continues at i */
static Py_ssize_t stretch_end(const Ctx *cx, int kind, const void *data, Py_ssize_t i, Py_ssize_t len)
{
    if (kind == PyUnicode_2BYTE_KIND) {
        const Py_UCS2 *d = data;
        while (i < len && (cx->cls[d[i]] & CLS_STRETCH))
            i++;
        return i;
    }
    while (i < len && in_stretch(cx->cls, PyUnicode_READ(kind, data, i)))
        i++;
    return i;
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

static inline Py_UCS4 lc(const Ctx *cx, Py_UCS4 c) { return c <= 0xffff ? cx->lower[c] : c; }

/* the token as a str: CJK tokens are the engine's; Latin words are cut from the text when first
 * needed (lower-cased if the text was not) */
static PyObject *tok_obj(const Ctx *cx, Tok *t)
{
    if (t->tok != NULL)
        return t->tok;
    if (!cx->lower_words)
        t->tok = PyUnicode_Substring(cx->norm, t->start, t->end);
    else {
        int kind = PyUnicode_KIND(cx->norm);
        const void *data = PyUnicode_DATA(cx->norm);
        Py_UCS4 maxc = 0;
        Py_ssize_t i;
        for (i = t->start; i < t->end; i++) {
            Py_UCS4 c = lc(cx, PyUnicode_READ(kind, data, i));
            if (c > maxc)
                maxc = c;
        }
        t->tok = PyUnicode_New(t->end - t->start, maxc);
        if (t->tok != NULL) {
            int okind = PyUnicode_KIND(t->tok);
            void *odata = PyUnicode_DATA(t->tok);
            for (i = t->start; i < t->end; i++)
                PyUnicode_WRITE(okind, odata, i - t->start, lc(cx, PyUnicode_READ(kind, data, i)));
        }
    }
    t->owned = t->tok != NULL;
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
    if (!PyBytes_Check(cand) || PyBytes_GET_SIZE(cand) % sizeof(int32_t)) {
        Py_DECREF(cand);
        PyErr_SetString(PyExc_TypeError, "candidate patterns must be packed 32-bit indices");
        return -1;
    }
    Py_ssize_t nc = PyBytes_GET_SIZE(cand) / (Py_ssize_t)sizeof(int32_t);
    for (Py_ssize_t c = 0; c < nc; c++) {
        int32_t pidx;
        memcpy(&pidx, PyBytes_AS_STRING(cand) + c * sizeof(int32_t), sizeof pidx);
        if (pidx < 0 || pidx >= cx->n_patterns) {
            PyErr_SetString(PyExc_IndexError, "candidate pattern index out of range");
            goto fail;
        }
        const int32_t *info = cx->info + INFO_FIELDS * pidx; /* lex, var, excl, tlen, nparts */
        if (info[0] < 0 || info[0] > 65535 || info[4] < 1) {
            PyErr_SetString(PyExc_ValueError, "malformed pattern info");
            goto fail;
        }
        Py_ssize_t j = i, end = toks[i].end;
        int ok = 1;
        if (info[4] > 1) { /* a phrase: the next parts on the next word tokens */
            PyObject *parts = PyList_GET_ITEM(cx->parts, pidx);
            PyObject *globs = PyList_GET_ITEM(cx->globs, pidx);
            if (!PyTuple_Check(parts) || !PyTuple_Check(globs) || PyTuple_GET_SIZE(parts) != info[4] ||
                PyTuple_GET_SIZE(globs) != info[4]) {
                PyErr_SetString(PyExc_TypeError, "malformed compiled pattern");
                goto fail;
            }
            for (Py_ssize_t k = 1; k < info[4]; k++) {
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
                PyObject *part = PyTuple_GET_ITEM(parts, k);
                if (!PyUnicode_Check(part)) {
                    PyErr_SetString(PyExc_TypeError, "pattern parts must be str");
                    goto fail;
                }
                int m = part_matches(wj, part, g);
                if (m < 0)
                    goto fail;
                if (!m) {
                    ok = 0;
                    break;
                }
                end = toks[j].end;
            }
        }
        if (!ok)
            continue;
        if (grow((void **)recs, cap, *nrec + 1, sizeof(Rec)) < 0)
            goto fail;
        Rec *r = &(*recs)[*nrec];
        r->pidx = pidx;
        r->start = toks[i].start;
        r->end = end;
        r->order = *nrec;
        r->ti = i;
        r->tj = j;
        r->lex = info[0];
        r->var = info[1];
        r->excl = info[2];
        r->tlen = info[3];
        (*nrec)++;
    }
    Py_DECREF(cand);
    return 0;
fail:
    Py_DECREF(cand);
    return -1;
}

/* Token codes as Matcher._Codes gives them: 0 no letter/digit/ideograph, 1 a word, 2 a word that may
 * start a pattern. The filter only rules candidates out (hash of the whole token for exact parts, of
 * each prefix length in use for prefix parts, last character and then each suffix length in use (read
 * backwards) for suffix parts, any character for infix parts); match_at decides from the patterns. */
ALWAYS_INLINE int
classify_k(const Ctx *cx, int kind, const void *data, Py_ssize_t start, Py_ssize_t end, int low)
{
    Py_ssize_t i;
    int word = 0;
    for (i = start; i < end && !word; i++)
        word = alnum(cx->cls, PyUnicode_READ(kind, data, i));
    if (!word)
        return 0;
#define RD(j) (low ? lc(cx, PyUnicode_READ(kind, data, (j))) : PyUnicode_READ(kind, data, (j)))
    uint32_t h = FNV_OFFSET;
    for (i = start; i < end; i++) {
        h = fnv_step(h, RD(i));
        Py_ssize_t k = i - start + 1;
        if (k < 64 && ((cx->prefix_lens >> k) & 1) && hash_bit(cx->prefix, h))
            return 2;
    }
    if (hash_bit(cx->exact, h))
        return 2;
    if ((cx->globs_in_use & 4) && end - start >= 64)
        return 2;
    if ((cx->globs_in_use & 1) && bit(cx->last, RD(end - 1))) { /* suffix parts: last character, then the
                                                                   * hash of each suffix length in use */
        uint32_t hs = FNV_OFFSET;
        for (i = end - 1; i >= start && end - i < 64 && (cx->suffix_lens >> (end - i)); i--) {
            hs = fnv_step(hs, RD(i));
            if (((cx->suffix_lens >> (end - i)) & 1) && hash_bit(cx->suffix, hs))
                return 2;
        }
        if ((cx->globs_in_use & 8) && end - start >= 64)
            return 2;
    }
    if (cx->globs_in_use & 2)
        for (i = start; i < end; i++)
            if (bit(cx->any, RD(i)))
                return 2;
    return 1;
#undef RD
}

/* classify_k with the string kind and lower-casing as constants, so each variant compiles straight */
static int classify(const Ctx *cx, int kind, const void *data, Py_ssize_t start, Py_ssize_t end, int low)
{
    switch (kind) {
    case PyUnicode_1BYTE_KIND:
        return low ? classify_k(cx, PyUnicode_1BYTE_KIND, data, start, end, 1)
                   : classify_k(cx, PyUnicode_1BYTE_KIND, data, start, end, 0);
    case PyUnicode_2BYTE_KIND:
        return low ? classify_k(cx, PyUnicode_2BYTE_KIND, data, start, end, 1)
                   : classify_k(cx, PyUnicode_2BYTE_KIND, data, start, end, 0);
    default:
        return classify_k(cx, PyUnicode_4BYTE_KIND, data, start, end, low);
    }
}

/* append the words of the Latin stretch [i, s) to toks, classified; returns the new token count or -1 */
ALWAYS_INLINE Py_ssize_t
latin_words(const Ctx *cx, int kind, const void *data, Py_ssize_t i, Py_ssize_t s, Tok **toks, Py_ssize_t *tcap,
            Py_ssize_t ntok, int *any_cand)
{
    const unsigned char *cls = cx->cls;
    while (i < s) {
        if (!is_wordch(cls, PyUnicode_READ(kind, data, i))) {
            i++;
            continue;
        }
        Py_ssize_t st = i++;
        while (i < s && is_wordch(cls, PyUnicode_READ(kind, data, i)))
            i++;
        while (i + 1 < s && is_joiner(PyUnicode_READ(kind, data, i)) &&
               is_wordch(cls, PyUnicode_READ(kind, data, i + 1))) {
            i += 2;
            while (i < s && is_wordch(cls, PyUnicode_READ(kind, data, i)))
                i++;
        }
        if (grow((void **)toks, tcap, ntok + 1, sizeof(Tok)) < 0)
            return -1;
        Tok *t = &(*toks)[ntok++];
        t->tok = NULL;
        t->owned = 0;
        t->start = st;
        t->end = i;
        t->code = cx->lower_words ? classify_k(cx, kind, data, st, i, 1) : classify_k(cx, kind, data, st, i, 0);
        *any_cand |= t->code == 2;
    }
    return ntok;
}

/* collect the matches in a classified token sequence */
static int match_tokens(const Ctx *cx, Tok *toks, Py_ssize_t n, int any_cand, Rec **recs, Py_ssize_t *nrec,
                         Py_ssize_t *cap)
{
    for (Py_ssize_t i = 0; any_cand && i < n; i++)
        if (toks[i].code == 2 && match_at(cx, toks, n, i, recs, nrec, cap) < 0)
            return -1;
    return 0;
}

/* drop the token references the scan owns (Latin words made into str) */
static void release_tokens(Tok *toks, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++)
        if (toks[i].owned)
            Py_CLEAR(toks[i].tok);
}

#include "_speedups_negation.h"

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
    cx->info_obj = PyTuple_GET_ITEM(t, 6);
    cx->out_type = PyTuple_GET_ITEM(t, 7);
    cx->prefixes = PyTuple_GET_ITEM(t, 8);
    if (!PyBytes_Check(cx->filter) ||
        PyBytes_GET_SIZE(cx->filter) != 3 * HASH_BYTES + 2 * FILTER_BYTES + 65536 + 131072 + 8 + 8 + 1) {
        PyErr_SetString(PyExc_TypeError, "malformed start filter");
        return -1;
    }
    const unsigned char *f = (const unsigned char *)PyBytes_AS_STRING(cx->filter);
    cx->exact = f;
    cx->prefix = f + HASH_BYTES;
    cx->suffix = cx->prefix + HASH_BYTES;
    cx->last = cx->suffix + HASH_BYTES;
    cx->any = cx->last + FILTER_BYTES;
    cx->cls = cx->any + FILTER_BYTES;
    cx->lower = (const uint16_t *)(cx->cls + 65536);
    const unsigned char *lens = cx->cls + 65536 + 131072;
    cx->prefix_lens = cx->suffix_lens = 0;
    for (int b = 7; b >= 0; b--) { /* little-endian */
        cx->prefix_lens = (cx->prefix_lens << 8) | lens[b];
        cx->suffix_lens = (cx->suffix_lens << 8) | lens[8 + b];
    }
    cx->globs_in_use = lens[16];
    if (!PyDict_Check(cx->cands) || !PyList_Check(cx->parts) ||
        !PyList_Check(cx->globs) || !PyBytes_Check(cx->info_obj) || !PyList_Check(cx->prefixes) ||
        !PyType_Check(cx->out_type) || !PyType_IsSubtype((PyTypeObject *)cx->out_type, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "malformed matcher context");
        return -1;
    }
    Py_ssize_t np = PyList_GET_SIZE(cx->parts);
    if (PyList_GET_SIZE(cx->globs) != np || PyList_GET_SIZE(cx->prefixes) != np ||
        PyBytes_GET_SIZE(cx->info_obj) != np * INFO_FIELDS * (Py_ssize_t)sizeof(int32_t)) {
        PyErr_SetString(PyExc_ValueError, "matcher context lists differ in length");
        return -1;
    }
    cx->n_patterns = np;
    cx->info = (const int32_t *)PyBytes_AS_STRING(cx->info_obj);
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

PyDoc_STRVAR(scan_doc, "scan(norm, ctx, lower_words=False, negation=None) -> (matches, n_words[, cues])\n\n"
                       "Tokenize normalised text and match compiled lexicon patterns (see Matcher.native_context).\n"
                       "With a negation context (NegationScope.native_context) the cues are taken out of the\n"
                       "matches and `cues` names the cue negating each match (None when none is negated).");

static PyObject *scan(PyObject *self, PyObject *args)
{
    PyObject *norm, *ctxt, *negt = Py_None, *cues = NULL;
    Ctx cx;
    Neg ng;
    int lower_words = 0;
    if (!PyArg_ParseTuple(args, "UO|pO:scan", &norm, &ctxt, &lower_words, &negt) || unpack_ctx(ctxt, &cx) < 0)
        return NULL;
    if (negt != Py_None && unpack_neg(negt, cx.n_patterns, &ng) < 0)
        return NULL;
    cx.norm = norm;
    cx.lower_words = lower_words;
    int kind = PyUnicode_KIND(norm);
    const void *data = PyUnicode_DATA(norm);
    Py_ssize_t len = PyUnicode_GET_LENGTH(norm), pos = 0, n_words = 0;
    Tok *toks = NULL; /* every token of the text, Latin and CJK stretches alike */
    Rec *recs = NULL;
    Py_ssize_t tcap = 0, rcap = 0, nrec = 0, ntok = 0, i;
    int any_cand = 0;
    PyObject *result = NULL, *list = NULL;
    PyObject *keep = PyList_New(0); /* the engine's token lists: CJK tokens are borrowed from them */
    if (keep == NULL)
        return NULL;

    while (pos < len) {
        Py_ssize_t s = next_cjk(&cx, kind, data, pos, len);
        /* a Latin stretch [pos, s): words by the word pattern */
        Py_ssize_t got;
        switch (kind) {
        case PyUnicode_1BYTE_KIND:
            got = latin_words(&cx, PyUnicode_1BYTE_KIND, data, pos, s, &toks, &tcap, ntok, &any_cand);
            break;
        case PyUnicode_2BYTE_KIND:
            got = latin_words(&cx, PyUnicode_2BYTE_KIND, data, pos, s, &toks, &tcap, ntok, &any_cand);
            break;
        default:
            got = latin_words(&cx, PyUnicode_4BYTE_KIND, data, pos, s, &toks, &tcap, ntok, &any_cand);
        }
        if (got < 0)
            goto fail;
        n_words += got - ntok; /* every Latin token is a word */
        ntok = got;
        if (s >= len)
            break;
        /* a CJK stretch [s, e): the segmentation engine's tokens cover every character */
        Py_ssize_t e = stretch_end(&cx, kind, data, s + 1, len);
        PyObject *run = PyUnicode_Substring(norm, s, e);
        if (run == NULL)
            goto fail;
        PyObject *argv[2] = {run, cx.hmm};
        PyObject *res = PyObject_Vectorcall(cx.cut, argv, 2, NULL);
        Py_DECREF(run);
        if (res == NULL)
            goto fail;
        PyObject *seq = PySequence_Fast(res, "the segmentation engine must return a sequence");
        Py_DECREF(res);
        if (seq == NULL)
            goto fail;
        int kept_seq = PyList_Append(keep, seq);
        Py_DECREF(seq); /* `keep` holds it now */
        if (kept_seq < 0)
            goto fail;
        Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
        if (grow((void **)&toks, &tcap, ntok + n, sizeof(Tok)) < 0)
            goto fail;
        PyObject **items = PySequence_Fast_ITEMS(seq);
        Py_ssize_t p = s;
        for (i = 0; i < n; i++) {
            PyObject *t = items[i];
            if (!PyUnicode_Check(t)) {
                PyErr_SetString(PyExc_TypeError, "the segmentation engine returned a non-string token");
                goto fail;
            }
            Py_ssize_t tl = PyUnicode_GET_LENGTH(t);
            Tok *tk = &toks[ntok + i];
            tk->tok = t;
            tk->owned = 0;
            tk->start = p;
            tk->end = p + tl;
            tk->code = tl ? classify(&cx, PyUnicode_KIND(t), PyUnicode_DATA(t), 0, tl, 0) : 0;
            any_cand |= tk->code == 2;
            n_words += tk->code != 0;
            p += tl;
        }
        if (p != e) {
            PyErr_Format(PyExc_ValueError, "segmentation lost characters: tokens cover %zd of %zd", p - s, e - s);
            goto fail;
        }
        ntok += n;
        pos = e;
    }

    /* one token sequence, so a phrase may run from Chinese into Latin text (O2O模式) */
    int rc = match_tokens(&cx, toks, ntok, any_cand, &recs, &nrec, &rcap);
    if (rc < 0)
        goto fail;
    Py_ssize_t kept = resolve(recs, nrec);
    if (kept < 0)
        goto fail;
    if (negt != Py_None && (kept = negation_pass(&cx, &ng, toks, recs, kept, &cues)) < 0)
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
    if (negt == Py_None)
        result = Py_BuildValue("(On)", list, n_words);
    else
        result = Py_BuildValue("(OnO)", list, n_words, cues != NULL ? cues : Py_None);

fail: /* also the normal exit */
    release_tokens(toks, ntok);
    Py_XDECREF(cues);
    Py_XDECREF(list);
    Py_DECREF(keep);
    PyMem_Free(toks);
    PyMem_Free(recs);
    return result;
}

PyDoc_STRVAR(needs_doc, "needs(text, table) -> int\n\n"
                        "OR of table[ord(c)] over the characters of text (BMP); characters beyond the\n"
                        "BMP add 4 and 8.");

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
            flags |= d[i] > 0xffff ? 12u : tab[d[i]];
    }
    PyBuffer_Release(&table);
    return PyLong_FromUnsignedLong(flags);
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS, scan_doc},
    {"needs", needs, METH_VARARGS, needs_doc},
    {"shingle_hashes", shingle_hashes, METH_VARARGS, shingle_hashes_doc},
    {"minhash_bands", minhash_bands, METH_VARARGS, minhash_bands_doc},
    {"sorted_overlap", sorted_overlap, METH_VARARGS, sorted_overlap_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "corpus_tools._speedups", "Compiled twins of the tokenize/match hot loops.", -1, methods,
};

PyMODINIT_FUNC PyInit__speedups(void) { return PyModule_Create(&moduledef); }
