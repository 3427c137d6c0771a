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

/* insertion sort: linear on records that are nearly in order already (see resolve) */
static void insertion_sort(Rec *r, Py_ssize_t n, int (*cmp)(const void *, const void *))
{
    for (Py_ssize_t i = 1; i < n; i++) {
        if (cmp(&r[i - 1], &r[i]) <= 0)
            continue;
        Rec x = r[i];
        Py_ssize_t j = i;
        while (j > 0 && cmp(&r[j - 1], &x) > 0) {
            r[j] = r[j - 1];
            j--;
        }
        r[j] = x;
    }
}

/* Matcher._resolve: exclusions cancel term matches of their variable inside them; per lexicon the
 * leftmost-longest match wins; output ordered by (start, lexicon). `recs` is rewritten in place with the
 * kept matches first; returns how many were kept, or -1 on error.
 * The matches come in scan order (by start token), so instead of sorting them whole: a stable bucket pass by
 * lexicon, an insertion sort that only has to reorder matches sharing a start (longest first), and a merge
 * of the per-lexicon runs of kept matches by start (one lexicon keeps at most one match per start). */
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
    long maxlex = 0;
    for (i = 0; i < n; i++)
        if (recs[i].lex > maxlex)
            maxlex = recs[i].lex;
    size_t nl = (size_t)maxlex + 1;
    Rec *terms = PyMem_Malloc(sizeof(Rec) * (size_t)n);
    Py_ssize_t *excl = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)n), nx = 0;
    Py_ssize_t *bucket = PyMem_Calloc(2 * nl + 1, sizeof(Py_ssize_t)); /* bucket starts, then run ends */
    Py_ssize_t *covered = PyMem_Malloc(sizeof(Py_ssize_t) * nl);
    if (terms == NULL || excl == NULL || bucket == NULL || covered == NULL) {
        PyMem_Free(terms);
        PyMem_Free(excl);
        PyMem_Free(bucket);
        PyMem_Free(covered);
        PyErr_NoMemory();
        return -1;
    }
    for (i = 0; i < n; i++)
        if (recs[i].excl)
            excl[nx++] = i;
    for (i = 0; i < n; i++) { /* drop terms inside an exclusion of their variable; count the rest per lexicon */
        int dropped = recs[i].excl;
        for (k = 0; k < nx && !dropped; k++) {
            const Rec *x = &recs[excl[k]];
            dropped = x->var == recs[i].var && x->start <= recs[i].start && recs[i].end <= x->end;
        }
        if (dropped)
            recs[i].excl = 2; /* marked as left out (recs is rewritten with the kept matches below) */
        else {
            recs[i].order = m++;
            bucket[recs[i].lex + 1]++;
        }
    }
    for (size_t l = 0; l < nl; l++) /* bucket starts (stable: scan order within a lexicon) */
        bucket[l + 1] += bucket[l];
    Py_ssize_t *fill = bucket + nl + 1; /* nl entries: next free slot per lexicon */
    for (size_t l = 0; l < nl; l++)
        fill[l] = bucket[l];
    for (i = 0; i < n; i++)
        if (!recs[i].excl)
            terms[fill[recs[i].lex]++] = recs[i];
    insertion_sort(terms, m, cmp_resolve);
    for (size_t l = 0; l < nl; l++)
        covered[l] = -1;
    for (i = 0; i < m; i++) { /* leftmost-longest per lexicon: kept in lexicon order, by start within each */
        if (terms[i].start >= covered[terms[i].lex]) {
            covered[terms[i].lex] = terms[i].end;
            terms[kept++] = terms[i];
        }
    }
    for (size_t l = 0; l < nl; l++) /* runs of kept matches per lexicon: [fill[l-1] or 0, fill[l]) */
        fill[l] = 0;
    for (i = 0; i < kept; i++)
        fill[terms[i].lex] = i + 1;
    Py_ssize_t *head = covered; /* reused: the next unmerged match of each lexicon's run */
    Py_ssize_t prev = 0;
    for (size_t l = 0; l < nl; l++) {
        if (fill[l] == 0)
            fill[l] = prev; /* an empty run */
        head[l] = prev;
        prev = fill[l];
    }
    for (i = 0; i < kept; i++) { /* merge by (start, lexicon) */
        Py_ssize_t best = -1;
        for (size_t l = 0; l < nl; l++)
            if (head[l] < fill[l] && (best < 0 || terms[head[l]].start < terms[best].start))
                best = head[l];
        recs[i] = terms[best];
        recs[i].order = i;
        head[terms[best].lex]++;
    }
    PyMem_Free(terms);
    PyMem_Free(excl);
    PyMem_Free(bucket);
    PyMem_Free(covered);
    return kept;
}

#endif
