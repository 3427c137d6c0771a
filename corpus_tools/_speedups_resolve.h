/* Overlap resolution for corpus_tools/_speedups.c: the C twin of Matcher._resolve (lexicon/match.py).
 * Included once, by _speedups.c (one translation unit). */
#ifndef CORPUS_TOOLS_RESOLVE_H
#define CORPUS_TOOLS_RESOLVE_H

/* one raw match: pattern index, span, scan order, its first and last token (indices into the scan's
 * token sequence), and the pattern's lexicon rank (by name), variable index, exclusion flag and term length */
typedef struct {
    Py_ssize_t pidx, start, end, order, ti, tj;
    long lex, var, excl, tlen;
} Rec;

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
    Py_ssize_t *excl = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)n), nx = 0;
    if (terms == NULL || excl == NULL) {
        PyMem_Free(terms);
        PyMem_Free(excl);
        PyErr_NoMemory();
        return -1;
    }
    for (i = 0; i < n; i++)
        if (recs[i].excl)
            excl[nx++] = i;
    long maxlex = 0;
    for (i = 0; i < n; i++) {
        if (recs[i].excl)
            continue;
        int dropped = 0;
        for (k = 0; k < nx && !dropped; k++) {
            const Rec *x = &recs[excl[k]];
            dropped = x->var == recs[i].var && x->start <= recs[i].start && recs[i].end <= x->end;
        }
        if (!dropped) {
            terms[m] = recs[i];
            terms[m].order = m;
            if (terms[m].lex > maxlex)
                maxlex = terms[m].lex;
            m++;
        }
    }
    PyMem_Free(excl);
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

#endif
