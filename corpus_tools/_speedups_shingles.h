/* Compiled twin of the near-duplicate shingles and MinHash band keys of corpus_tools/corpus/dedupe.py.
 *
 * shingle_array (Python) hashes every k-character window of the normalised text with zlib's CRC-32 of its
 * UTF-8 bytes; _band_keys folds the MinHash signature ((a * h + b) mod P, minimum over the shingles, one value
 * per (a, b) pair) into one key per band. The functions here compute exactly the same numbers
 * (tests/corpus/test_dedupe.py compares them on random mixed-script texts): at a million entries the
 * per-window CRC calls and the per-text NumPy work were most of the time of loading a corpus.
 */
#ifndef CORPUS_TOOLS_SPEEDUPS_SHINGLES_H
#define CORPUS_TOOLS_SPEEDUPS_SHINGLES_H

#define SH_PRIME 4294967311ULL /* the same prime as dedupe._PRIME: a constant, so the modulo is cheap */
#define SH_MIX 0x9E3779B97F4A7C15ULL

static uint32_t crc_table[256];
static int crc_ready = 0;

static void crc_init(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
    crc_ready = 1;
}

static inline uint32_t crc_byte(uint32_t c, unsigned char b) { return crc_table[(c ^ b) & 0xff] ^ (c >> 8); }

/* CRC-32 (zlib's) of the UTF-8 encoding of code points cps[0..n) */
static uint32_t crc_utf8(const Py_UCS4 *cps, Py_ssize_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 u = cps[i];
        if (u < 0x80)
            c = crc_byte(c, (unsigned char)u);
        else if (u < 0x800) {
            c = crc_byte(c, (unsigned char)(0xC0 | (u >> 6)));
            c = crc_byte(c, (unsigned char)(0x80 | (u & 0x3F)));
        }
        else if (u < 0x10000) {
            c = crc_byte(c, (unsigned char)(0xE0 | (u >> 12)));
            c = crc_byte(c, (unsigned char)(0x80 | ((u >> 6) & 0x3F)));
            c = crc_byte(c, (unsigned char)(0x80 | (u & 0x3F)));
        }
        else {
            c = crc_byte(c, (unsigned char)(0xF0 | (u >> 18)));
            c = crc_byte(c, (unsigned char)(0x80 | ((u >> 12) & 0x3F)));
            c = crc_byte(c, (unsigned char)(0x80 | ((u >> 6) & 0x3F)));
            c = crc_byte(c, (unsigned char)(0x80 | (u & 0x3F)));
        }
    }
    return c ^ 0xFFFFFFFFu;
}

/* the hashes of every k-window of `text` (one hash of the whole text when it is not longer than k);
 * a new PyMem buffer in *out, its length in *n_out. Lone surrogates cannot be UTF-8 encoded: -1, ValueError.
 * With `drop`, the characters that are not alphanumeric (str.isalnum: what the pattern [\s\W_] of
 * dedupe._DROP_RE removes) are left out first, so that Python need not build the shorter string. */
static int window_hashes(PyObject *text, Py_ssize_t k, int drop, uint32_t **out, Py_ssize_t *n_out)
{
    if (!crc_ready)
        crc_init();
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    *out = NULL;
    *n_out = 0;
    if (len == 0)
        return 0;
    Py_UCS4 *cps = PyUnicode_AsUCS4Copy(text);
    if (cps == NULL)
        return -1;
    if (drop) {
        Py_ssize_t kept = 0;
        for (Py_ssize_t i = 0; i < len; i++)
            if (Py_UNICODE_ISALNUM(cps[i]))
                cps[kept++] = cps[i];
        len = kept;
        if (len == 0) {
            PyMem_Free(cps);
            return 0;
        }
    }
    for (Py_ssize_t i = 0; i < len; i++)
        if (cps[i] >= 0xD800 && cps[i] <= 0xDFFF) {
            PyMem_Free(cps);
            PyErr_SetString(PyExc_ValueError, "surrogates not allowed");
            return -1;
        }
    Py_ssize_t n = len <= k ? 1 : len - k + 1, w = len <= k ? len : k;
    uint32_t *h = PyMem_Malloc((size_t)n * sizeof(uint32_t));
    if (h == NULL) {
        PyMem_Free(cps);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        h[i] = crc_utf8(cps + i, w);
    PyMem_Free(cps);
    *out = h;
    *n_out = n;
    return 0;
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

PyDoc_STRVAR(shingle_hashes_doc, "shingle_hashes(text, k, drop=False) -> bytes\n\n"
                                 "zlib.crc32 of the UTF-8 bytes of every k-character window of text (of the whole\n"
                                 "text when it has at most k characters), as native uint32 values, sorted and\n"
                                 "without repeats (what numpy.unique gives). drop: leave out the characters that are\n"
                                 "not alphanumeric first.");

static PyObject *shingle_hashes(PyObject *self, PyObject *args)
{
    PyObject *text;
    Py_ssize_t k;
    uint32_t *h;
    Py_ssize_t n;
    int drop = 0;
    if (!PyArg_ParseTuple(args, "Un|p:shingle_hashes", &text, &k, &drop))
        return NULL;
    if (k < 1) {
        PyErr_SetString(PyExc_ValueError, "k must be at least 1");
        return NULL;
    }
    if (window_hashes(text, k, drop, &h, &n) < 0)
        return NULL;
    if (n > 1) {
        qsort(h, (size_t)n, sizeof(uint32_t), cmp_u32);
        Py_ssize_t m = 1;
        for (Py_ssize_t i = 1; i < n; i++)
            if (h[i] != h[m - 1])
                h[m++] = h[i];
        n = m;
    }
    PyObject *res = PyBytes_FromStringAndSize((const char *)h, (Py_ssize_t)(n * (Py_ssize_t)sizeof(uint32_t)));
    PyMem_Free(h);
    return res;
}

/* splitmix64's finaliser: a well-mixed 64-bit value of x */
static inline uint64_t sh_mix64(uint64_t x)
{
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/* a fingerprint of the *set* of hashes h[0..n) (sorted in place): equal sets, equal values; *size: its size */
static uint64_t set_fingerprint(uint32_t *h, Py_ssize_t n, uint64_t *size)
{
    qsort(h, (size_t)n, sizeof(uint32_t), cmp_u32);
    uint64_t fp = 0x243F6A8885A308D3ULL, m = 0;
    for (Py_ssize_t i = 0; i < n; i++)
        if (i == 0 || h[i] != h[i - 1]) {
            fp = sh_mix64(fp ^ h[i]);
            m++;
        }
    *size = m;
    return fp;
}

PyDoc_STRVAR(minhash_bands_doc, "minhash_bands(text, k, a, b, bands, drop=False, fingerprint=False) -> bytes or None\n\n"
                                "MinHash of text's k-window hashes under (a[i] * h + b[i]) mod 4294967311 (a, b: native\n"
                                "uint64 buffers of equal length), folded into `bands` keys (native uint64): per band,\n"
                                "key = key * 0x9E3779B97F4A7C15 + value over its values, wrapping. None for an empty text.\n"
                                "drop: as in shingle_hashes. fingerprint: two more uint64 after the keys, a hash of the\n"
                                "set of window hashes (fp = splitmix64(fp ^ h) over them sorted and unique, from\n"
                                "0x243F6A8885A308D3; texts with the same shingles have the same fingerprint) and the\n"
                                "size of that set.");

static PyObject *minhash_bands(PyObject *self, PyObject *args)
{
    PyObject *text;
    Py_ssize_t k, bands;
    Py_buffer a, b;
    int drop = 0, fingerprint = 0;
    if (!PyArg_ParseTuple(args, "Uny*y*n|pp:minhash_bands", &text, &k, &a, &b, &bands, &drop, &fingerprint))
        return NULL;
    PyObject *res = NULL;
    uint32_t *h = NULL;
    uint64_t *sig = NULL;
    Py_ssize_t n = 0, perms = a.len / (Py_ssize_t)sizeof(uint64_t);
    if (k < 1 || a.len != b.len || bands < 1 || perms % bands != 0) {
        PyErr_SetString(PyExc_ValueError, "k >= 1, len(a) == len(b) and bands dividing the permutations");
        goto done;
    }
    if (window_hashes(text, k, drop, &h, &n) < 0)
        goto done;
    if (n == 0) {
        res = Py_NewRef(Py_None);
        goto done;
    }
    sig = PyMem_Malloc((size_t)perms * sizeof(uint64_t));
    if (sig == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    const uint64_t *av = a.buf, *bv = b.buf;
    for (Py_ssize_t p = 0; p < perms; p++) {
        uint64_t lo = UINT64_MAX, ap = av[p], bp = bv[p];
        for (Py_ssize_t i = 0; i < n; i++) {
            uint64_t v = (ap * (uint64_t)h[i] + bp) % SH_PRIME;
            if (v < lo)
                lo = v;
        }
        sig[p] = lo;
    }
    Py_ssize_t rows = perms / bands;
    Py_ssize_t n_keys = bands + (fingerprint ? 2 : 0);
    uint64_t *keys = PyMem_Malloc((size_t)n_keys * sizeof(uint64_t));
    if (keys == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t band = 0; band < bands; band++) {
        uint64_t key = sig[band * rows];
        for (Py_ssize_t r = 1; r < rows; r++)
            key = key * SH_MIX + sig[band * rows + r];
        keys[band] = key;
    }
    if (fingerprint)
        keys[bands] = set_fingerprint(h, n, &keys[bands + 1]);
    res = PyBytes_FromStringAndSize((const char *)keys, (Py_ssize_t)(n_keys * (Py_ssize_t)sizeof(uint64_t)));
    PyMem_Free(keys);
done:
    PyMem_Free(h);
    PyMem_Free(sig);
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    return res;
}

PyDoc_STRVAR(sorted_overlap_doc, "sorted_overlap(a, b) -> int\n\n"
                                 "How many values two sorted, duplicate-free native uint32 buffers share (a merge).");

static PyObject *sorted_overlap(PyObject *self, PyObject *args)
{
    Py_buffer a, b;
    if (!PyArg_ParseTuple(args, "y*y*:sorted_overlap", &a, &b))
        return NULL;
    const uint32_t *x = a.buf, *y = b.buf;
    Py_ssize_t na = a.len / (Py_ssize_t)sizeof(uint32_t), nb = b.len / (Py_ssize_t)sizeof(uint32_t);
    Py_ssize_t i = 0, j = 0, common = 0;
    while (i < na && j < nb) {
        if (x[i] < y[j])
            i++;
        else if (y[j] < x[i])
            j++;
        else {
            common++;
            i++;
            j++;
        }
    }
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    return PyLong_FromSsize_t(common);
}

#endif
