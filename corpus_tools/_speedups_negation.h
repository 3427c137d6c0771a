/* Negation scope for corpus_tools/_speedups.c: the C twin of NegationScope.split (lexicon/negation.py).
 * Included once, by _speedups.c, after the token and context types and tok_obj.
 *
 * The matcher has found the rules' cues as one more lexicon, in the same token sequence as the terms.
 * A term hit is negated by a before-cue ending at most reach characters before it, or an after-cue
 * starting at most reach characters after its start (and after its end), when the gap between the two
 * holds no clause punctuation, fewer word tokens than the window and no contrast word. The first cue (in
 * output order) that scopes over a hit names it. */
#ifndef CORPUS_TOOLS_NEGATION_H
#define CORPUS_TOOLS_NEGATION_H

typedef struct {
    const unsigned char *kinds; /* per pattern: 0 a term, bit 1 a before-cue, bit 2 an after-cue, 4 pseudo */
    PyObject *terms;            /* per pattern: the cue's text (what the evidence shows), None for terms */
    int32_t win[2][2], reach[2][2]; /* [zh, en][before, after] */
    PyObject *breaks[2];        /* contrast words (sets of str), zh and en */
} Neg;

#define NEG_PSEUDO 4

static int unpack_neg(PyObject *t, Py_ssize_t n_patterns, Neg *ng)
{
    if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 4) {
        PyErr_SetString(PyExc_TypeError, "negation context must be a 4-tuple");
        return -1;
    }
    PyObject *kinds = PyTuple_GET_ITEM(t, 0), *terms = PyTuple_GET_ITEM(t, 1);
    PyObject *nums = PyTuple_GET_ITEM(t, 2), *breaks = PyTuple_GET_ITEM(t, 3);
    if (!PyBytes_Check(kinds) || PyBytes_GET_SIZE(kinds) != n_patterns || !PyList_Check(terms) ||
        PyList_GET_SIZE(terms) != n_patterns || !PyBytes_Check(nums) ||
        PyBytes_GET_SIZE(nums) != 8 * (Py_ssize_t)sizeof(int32_t) || !PyTuple_Check(breaks) ||
        PyTuple_GET_SIZE(breaks) != 2) {
        PyErr_SetString(PyExc_TypeError, "malformed negation context");
        return -1;
    }
    ng->kinds = (const unsigned char *)PyBytes_AS_STRING(kinds);
    ng->terms = terms;
    for (int l = 0; l < 2; l++) {
        int32_t v[4];
        memcpy(v, PyBytes_AS_STRING(nums) + 4 * l * sizeof(int32_t), sizeof v);
        ng->win[l][0] = v[0];
        ng->win[l][1] = v[1];
        ng->reach[l][0] = v[2];
        ng->reach[l][1] = v[3];
        ng->breaks[l] = PyTuple_GET_ITEM(breaks, l);
        if (!PyAnySet_Check(ng->breaks[l])) {
            PyErr_SetString(PyExc_TypeError, "contrast words must be a set");
            return -1;
        }
    }
    return 0;
}

/* CLAUSE_RE.search(norm, a, b): clause punctuation, or a full stop before white space or the gap's end */
static int clause_in(int kind, const void *data, Py_ssize_t a, Py_ssize_t b)
{
    for (Py_ssize_t k = a; k < b; k++) {
        switch (PyUnicode_READ(kind, data, k)) {
        case 0xFF0C: case 0x3002: case 0xFF01: case 0xFF1F: case 0xFF1B: case 0xFF1A: case 0x2026:
        case ',': case ';': case ':': case '!': case '?': case '\n':
            return 1;
        case '.':
            if (k + 1 == b || Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, k + 1)))
                return 1;
            break;
        default:
            break;
        }
    }
    return 0;
}

/* _in_scope: the gap [a, b) holds the tokens [tlo, thi); 1 in scope, 0 not, -1 error */
static int in_scope(const Ctx *cx, const Neg *ng, Tok *toks, Py_ssize_t a, Py_ssize_t b, Py_ssize_t tlo,
                    Py_ssize_t thi, int32_t window, int lang)
{
    if (b < a || clause_in(PyUnicode_KIND(cx->norm), PyUnicode_DATA(cx->norm), a, b))
        return 0;
    int32_t words = 0;
    for (Py_ssize_t k = tlo; k < thi; k++) {
        if (toks[k].code == 0)
            continue;
        if (++words >= window)
            return 0;
        PyObject *w = tok_obj(cx, &toks[k]);
        if (w == NULL)
            return -1;
        int br = PySet_Contains(ng->breaks[lang], w);
        if (br != 0)
            return br < 0 ? -1 : 0;
    }
    return words < window;
}

/* Split the kept matches recs[0..kept) (output order) into term hits, moved to the front of recs, and
 * cues; *cues gets a new list naming each term hit's cue ("" when none), or stays NULL when no hit is
 * negated. Returns the number of term hits, or -1 on error. */
static Py_ssize_t negation_pass(const Ctx *cx, const Neg *ng, Tok *toks, Rec *recs, Py_ssize_t kept,
                                PyObject **cues)
{
    Py_ssize_t nt = 0, nc = 0, i, k;
    *cues = NULL;
    for (i = 0; i < kept; i++)
        nc += ng->kinds[recs[i].pidx] != 0;
    if (nc == 0)
        return kept;
    Rec *cue = PyMem_Malloc(sizeof(Rec) * (size_t)nc);
    if (cue == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    nc = 0;
    for (i = 0; i < kept; i++) /* stable: terms keep their order at the front, cues in theirs */
        if (ng->kinds[recs[i].pidx])
            cue[nc++] = recs[i];
        else
            recs[nt++] = recs[i];
    PyObject **found = nt ? PyMem_Calloc((size_t)nt, sizeof(PyObject *)) : NULL;
    if (nt && found == NULL) {
        PyMem_Free(cue);
        PyErr_NoMemory();
        return -1;
    }
    int kind = PyUnicode_KIND(cx->norm), any = 0;
    const void *data = PyUnicode_DATA(cx->norm);
    for (k = 0; k < nc && nt; k++) {
        const Rec *c = &cue[k];
        int what = ng->kinds[c->pidx];
        if (what & NEG_PSEUDO)
            continue;
        int zh = PyUnicode_READ(kind, data, c->start) > 0x2E7F, lang = zh ? 0 : 1;
        PyObject *text = PyList_GET_ITEM(ng->terms, c->pidx);
        if (!PyUnicode_Check(text)) {
            PyErr_SetString(PyExc_TypeError, "a cue's text must be str");
            goto fail;
        }
        if (what & 1) { /* negates what follows: hits starting at or after the cue's end */
            Py_ssize_t p = c->end, lo = 0, hi = nt;
            while (lo < hi) {
                Py_ssize_t mid = (lo + hi) / 2;
                if (recs[mid].start < p)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            for (i = lo; i < nt && recs[i].start - p <= ng->reach[lang][0]; i++) {
                Py_ssize_t s = recs[i].start;
                if (found[i] || (PyUnicode_READ(kind, data, s) > 0x2E7F) != zh)
                    continue;
                int rc = in_scope(cx, ng, toks, p, s, c->tj + 1, recs[i].ti, ng->win[lang][0], lang);
                if (rc < 0)
                    goto fail;
                if (rc) {
                    found[i] = text;
                    any = 1;
                }
            }
        }
        if (what & 2) { /* negates what precedes: hits starting at or before the cue's start */
            Py_ssize_t p = c->start, lo = 0, hi = nt;
            while (lo < hi) {
                Py_ssize_t mid = (lo + hi) / 2;
                if (recs[mid].start <= p)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            for (i = lo - 1; i >= 0 && p - recs[i].start <= ng->reach[lang][1]; i--) {
                Py_ssize_t e = recs[i].end;
                if (found[i] || e > p || (PyUnicode_READ(kind, data, recs[i].start) > 0x2E7F) != zh)
                    continue;
                int rc = in_scope(cx, ng, toks, e, p, recs[i].tj + 1, c->ti, ng->win[lang][1], lang);
                if (rc < 0)
                    goto fail;
                if (rc) {
                    found[i] = text;
                    any = 1;
                }
            }
        }
    }
    if (any) {
        PyObject *empty = PyUnicode_New(0, 0), *list = PyList_New(nt);
        if (empty == NULL || list == NULL) {
            Py_XDECREF(empty);
            Py_XDECREF(list);
            goto fail;
        }
        for (i = 0; i < nt; i++) {
            PyObject *v = found[i] ? found[i] : empty;
            Py_INCREF(v);
            PyList_SET_ITEM(list, i, v);
        }
        Py_DECREF(empty);
        *cues = list;
    }
    PyMem_Free(found);
    PyMem_Free(cue);
    return nt;
fail:
    PyMem_Free(found);
    PyMem_Free(cue);
    return -1;
}

#endif
