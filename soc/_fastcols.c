/* Compiled helpers for the line decoders (soc/fastcols.py is the interface and holds the pure-Python
 * equivalents, used when this module is not built and compared with it by tests/test_fastcols.py).
 *
 *   kv_pairs(text, comma) -> dict
 *       the pairs the regex  ([A-Za-z_][\w.\-]*)=(?:"([^"\\]*(?:\\.[^"\\]*)*)"|(\S*))  finds in `text`
 *       (with `comma`, the bare value stops at a comma too), quoted values unescaped (\" then \\), later keys
 *       winning; Unicode \w and \s as Python's re defines them.
 *   kv_columns(texts, names, comma, required) -> (rows, missing, columns)
 *       kv_pairs over every text straight into the Arrow buffers of `names` (no Python object per value):
 *       `rows` are the indexes of the texts that hold every `required` key, `missing` lists (index, [keys]) for
 *       the others, `columns` is as columns() returns it, over `rows`.
 *   flatten(doc) -> dict
 *       nested dicts as dotted keys ({"a": {"b": 1}} -> {"a.b": 1}), later keys winning; `doc` itself when no
 *       value is a dict.
 *   has_huge_float(obj) -> bool
 *       whether a float outside the 64-bit integer range sits anywhere in obj's dicts and lists (orjson reads
 *       such integers as floats; jsontext.py then reads the line with the json module).
 *   columns(docs, names, to_text) -> list of (null_count, validity | None, offsets, data), one per name
 *       the Arrow string buffers (int32 offsets) of doc.get(name) over the docs; values that are not str are
 *       passed through to_text (which returns str or None).
 *   texts(values, to_text) -> (null_count, validity | None, offsets, data)
 *       the same buffers for one list of values.
 *
 * Log lines are hostile input: every index is checked against the string's length, nothing assumes a NUL
 * terminator, and sizes that could overflow an Arrow int32 offset raise OverflowError.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

static inline Py_UCS4 utf8_at(const unsigned char *s, Py_ssize_t n, Py_ssize_t i, int *width) {
    /* the code point at byte i of valid UTF-8 (Python made it), and its width in bytes */
    unsigned char c = s[i];
    if (c < 0x80) { *width = 1; return c; }
    if ((c & 0xE0) == 0xC0 && i + 1 < n) { *width = 2; return ((Py_UCS4)(c & 0x1F) << 6) | (s[i + 1] & 0x3F); }
    if ((c & 0xF0) == 0xE0 && i + 2 < n) {
        *width = 3;
        return ((Py_UCS4)(c & 0x0F) << 12) | ((Py_UCS4)(s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
    }
    if (i + 3 < n) {
        *width = 4;
        return ((Py_UCS4)(c & 0x07) << 18) | ((Py_UCS4)(s[i + 1] & 0x3F) << 12) | ((Py_UCS4)(s[i + 2] & 0x3F) << 6)
               | (s[i + 3] & 0x3F);
    }
    *width = 1;
    return c;
}

static inline int key_char(Py_UCS4 c) {  /* [\w.\-], Unicode \w */
    if (c < 128) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                        || c == '.' || c == '-';
    return Py_UNICODE_ISALNUM(c);
}

typedef struct {
    Py_ssize_t key, key_len;      /* byte offsets into the text */
    Py_ssize_t value, value_len;  /* the quoted value without its quotes, or the bare value */
    int escaped;                  /* a quoted value holding \-escapes */
} KvPair;

static int kv_next(const unsigned char *s, Py_ssize_t n, Py_ssize_t *pos, int comma, KvPair *pair) {
    /* The next match of the kv regex at or after *pos (then *pos moves past it): 1, or 0 at the end. */
    Py_ssize_t i = *pos;
    int w;
    while (i < n) {
        unsigned char c0 = s[i];
        if (!((c0 >= 'A' && c0 <= 'Z') || (c0 >= 'a' && c0 <= 'z') || c0 == '_')) {
            utf8_at(s, n, i, &w);
            i += w;
            continue;
        }
        Py_ssize_t j = i + 1;
        while (j < n && key_char(utf8_at(s, n, j, &w))) j += w;
        if (j >= n || s[j] != '=') {
            i = j;  /* every start inside this run ends at j too: none is followed by '=' */
            continue;
        }
        Py_ssize_t v = j + 1, end = -1;
        pair->key = i;
        pair->key_len = j - i;
        pair->escaped = 0;
        if (v < n && s[v] == '"') {
            Py_ssize_t k = v + 1;
            int escaped = 0;
            while (k < n) {
                if (s[k] == '"') {
                    end = k + 1;
                    break;
                }
                if (s[k] == '\\') {
                    if (k + 1 < n && s[k + 1] != '\n') {
                        escaped = 1;
                        utf8_at(s, n, k + 1, &w);
                        k += 1 + w;
                        continue;
                    }
                    break;  /* \ at the end or before a newline: not a quoted value */
                }
                k++;
            }
            if (end >= 0) {
                pair->value = v + 1;
                pair->value_len = end - 1 - pair->value;
                pair->escaped = escaped;
            }
        }
        if (end < 0) {  /* bare value: up to whitespace (or a comma) */
            Py_ssize_t k = v;
            while (k < n) {
                Py_UCS4 cp = utf8_at(s, n, k, &w);
                if (Py_UNICODE_ISSPACE(cp) || (comma && cp == ',')) break;
                k += w;
            }
            pair->value = v;
            pair->value_len = k - v;
            end = k;
        }
        *pos = end;
        return 1;
    }
    *pos = n;
    return 0;
}

typedef struct {
    char *buf;
    Py_ssize_t cap;
} Scratch;

static const char *unescaped(const char *src, Py_ssize_t len, Scratch *scratch, Py_ssize_t *out_len) {
    /* src.replace('\\"', '"').replace('\\\\', '\\'), both left to right, in scratch */
    if (len > scratch->cap) {
        char *grown = PyMem_Realloc(scratch->buf, (size_t)len);
        if (grown == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        scratch->buf = grown;
        scratch->cap = len;
    }
    char *out = scratch->buf;
    Py_ssize_t w = 0;
    for (Py_ssize_t r = 0; r < len; r++) {
        if (src[r] == '\\' && r + 1 < len && src[r + 1] == '"') {
            out[w++] = '"';
            r++;
        } else {
            out[w++] = src[r];
        }
    }
    Py_ssize_t w2 = 0;
    for (Py_ssize_t r = 0; r < w; r++) {
        if (out[r] == '\\' && r + 1 < w && out[r + 1] == '\\') r++;
        out[w2++] = out[r];
    }
    *out_len = w2;
    return out;
}

static const char *pair_value(const char *s, const KvPair *pair, Scratch *scratch, Py_ssize_t *len) {
    /* the value's bytes, unescaped */
    if (!pair->escaped) {
        *len = pair->value_len;
        return s + pair->value;
    }
    return unescaped(s + pair->value, pair->value_len, scratch, len);
}

static PyObject *kv_pairs(PyObject *self, PyObject *args) {
    PyObject *text;
    int comma;
    if (!PyArg_ParseTuple(args, "Up:kv_pairs", &text, &comma)) return NULL;
    Py_ssize_t n, pos = 0, len;
    const char *s = PyUnicode_AsUTF8AndSize(text, &n);
    if (s == NULL) return NULL;
    PyObject *out = PyDict_New();
    Scratch scratch = {NULL, 0};
    KvPair pair;
    if (out == NULL) return NULL;
    while (kv_next((const unsigned char *)s, n, &pos, comma, &pair)) {
        const char *v = pair_value(s, &pair, &scratch, &len);
        PyObject *key = PyUnicode_DecodeUTF8(s + pair.key, pair.key_len, NULL);
        PyObject *value = v ? PyUnicode_DecodeUTF8(v, len, NULL) : NULL;
        int rc = (key && value) ? PyDict_SetItem(out, key, value) : -1;
        Py_XDECREF(key);
        Py_XDECREF(value);
        if (rc < 0) {
            Py_CLEAR(out);
            break;
        }
    }
    PyMem_Free(scratch.buf);
    return out;
}

static PyObject *DOT = NULL;

static int flatten_into(PyObject *out, PyObject *doc, PyObject *prefix, int depth) {
    if (depth > 1000) {
        PyErr_SetString(PyExc_RecursionError, "JSON object nested too deep to flatten");
        return -1;
    }
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(doc, &pos, &key, &value)) {
        PyObject *name = prefix ? PyUnicode_Concat(prefix, key) : Py_NewRef(key);
        if (name == NULL) return -1;
        int rc;
        if (PyDict_Check(value)) {
            PyObject *inner = PyUnicode_Concat(name, DOT);
            rc = inner == NULL ? -1 : flatten_into(out, value, inner, depth + 1);
            Py_XDECREF(inner);
        } else {
            rc = PyDict_SetItem(out, name, value);
        }
        Py_DECREF(name);
        if (rc < 0) return -1;
    }
    return 0;
}

static PyObject *flatten(PyObject *self, PyObject *doc) {
    if (!PyDict_Check(doc)) {
        PyErr_SetString(PyExc_TypeError, "flatten() takes a dict");
        return NULL;
    }
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    int nested = 0;
    while (!nested && PyDict_Next(doc, &pos, &key, &value)) nested = PyDict_Check(value);
    if (!nested) return Py_NewRef(doc);
    PyObject *out = PyDict_New();
    if (out == NULL) return NULL;
    if (flatten_into(out, doc, NULL, 0) < 0) {
        Py_DECREF(out);
        return NULL;
    }
    return out;
}

static int huge_float(PyObject *obj, int depth) {
    if (PyFloat_CheckExact(obj)) {
        double v = PyFloat_AS_DOUBLE(obj);
        return !(v > -9.3e18 && v < 1.9e19);
    }
    if (depth >= 64) return 0;
    if (PyDict_Check(obj)) {
        Py_ssize_t pos = 0;
        PyObject *key, *value;
        while (PyDict_Next(obj, &pos, &key, &value))
            if (huge_float(value, depth + 1)) return 1;
    } else if (PyList_Check(obj)) {
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(obj); i++)
            if (huge_float(PyList_GET_ITEM(obj, i), depth + 1)) return 1;
    }
    return 0;
}

static PyObject *has_huge_float(PyObject *self, PyObject *obj) { return PyBool_FromLong(huge_float(obj, 0)); }

typedef struct {
    char *data;
    int64_t size, cap;
    int32_t *offsets;
    uint8_t *valid;
    Py_ssize_t nulls;
} Column;

static int column_append(Column *col, Py_ssize_t row, const char *bytes, Py_ssize_t len) {
    if (col->size + len > INT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "a text column exceeds 2 GiB in one chunk");
        return -1;
    }
    if (col->size + len > col->cap) {
        int64_t cap = col->cap ? col->cap : 4096;
        while (cap < col->size + len) cap *= 2;
        char *grown = PyMem_Realloc(col->data, (size_t)cap);
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        col->data = grown;
        col->cap = cap;
    }
    memcpy(col->data + col->size, bytes, (size_t)len);
    col->size += len;
    col->valid[row >> 3] |= (uint8_t)(1u << (row & 7));
    col->offsets[row + 1] = (int32_t)col->size;
    return 0;
}

static int column_put(Column *col, Py_ssize_t row, PyObject *value, PyObject *to_text) {
    PyObject *owned = NULL;
    if (value != NULL && value != Py_None && !PyUnicode_CheckExact(value)) {
        owned = PyObject_CallOneArg(to_text, value);
        if (owned == NULL) return -1;
        if (owned != Py_None && !PyUnicode_Check(owned)) {
            PyErr_Format(PyExc_TypeError, "to_text returned %.100s, not str or None", Py_TYPE(owned)->tp_name);
            Py_DECREF(owned);
            return -1;
        }
        value = owned;
    }
    int rc = 0;
    if (value == NULL || value == Py_None) {
        col->nulls++;
        col->offsets[row + 1] = (int32_t)col->size;
    } else {
        Py_ssize_t len;
        const char *bytes = PyUnicode_AsUTF8AndSize(value, &len);
        rc = bytes == NULL ? -1 : column_append(col, row, bytes, len);
    }
    Py_XDECREF(owned);
    return rc;
}

static void columns_free(Column *cols, Py_ssize_t ncols) {
    for (Py_ssize_t c = 0; c < ncols; c++) {
        PyMem_Free(cols[c].data);
        PyMem_Free(cols[c].offsets);
        PyMem_Free(cols[c].valid);
    }
    PyMem_Free(cols);
}

static Column *columns_new(Py_ssize_t ncols, Py_ssize_t nrows) {
    /* ncols empty columns with room for the offsets and validity bits of nrows rows */
    Column *cols = PyMem_Calloc((size_t)(ncols ? ncols : 1), sizeof(Column));
    for (Py_ssize_t c = 0; cols != NULL && c < ncols; c++) {
        cols[c].offsets = PyMem_Calloc((size_t)nrows + 1, sizeof(int32_t));
        cols[c].valid = PyMem_Calloc((size_t)(nrows + 7) / 8 + 1, 1);
        if (cols[c].offsets == NULL || cols[c].valid == NULL) {
            columns_free(cols, ncols);
            cols = NULL;
        }
    }
    if (cols == NULL) PyErr_NoMemory();
    return cols;
}

static PyObject *columns_result(Column *cols, Py_ssize_t ncols, Py_ssize_t nrows) {
    /* [(null_count, validity | None, offsets, data)] of the first nrows rows */
    PyObject *result = PyList_New(ncols);
    if (result == NULL) return NULL;
    for (Py_ssize_t c = 0; c < ncols; c++) {
        Column *col = &cols[c];
        PyObject *valid = col->nulls ? PyBytes_FromStringAndSize((const char *)col->valid, (nrows + 7) / 8)
                                     : Py_NewRef(Py_None);
        PyObject *offsets = PyBytes_FromStringAndSize((const char *)col->offsets,
                                                      (Py_ssize_t)((nrows + 1) * sizeof(int32_t)));
        PyObject *data = PyBytes_FromStringAndSize(col->data ? col->data : "", (Py_ssize_t)col->size);
        PyObject *item = (valid && offsets && data) ? Py_BuildValue("(nOOO)", col->nulls, valid, offsets, data)
                                                    : NULL;
        Py_XDECREF(valid);
        Py_XDECREF(offsets);
        Py_XDECREF(data);
        if (item == NULL) {
            Py_DECREF(result);
            return NULL;
        }
        PyList_SET_ITEM(result, c, item);
    }
    return result;
}

static PyObject *columns(PyObject *self, PyObject *args) {
    PyObject *docs, *names, *to_text;
    if (!PyArg_ParseTuple(args, "O!O!O:columns", &PyList_Type, &docs, &PyList_Type, &names, &to_text)) return NULL;
    const Py_ssize_t nrows = PyList_GET_SIZE(docs), ncols = PyList_GET_SIZE(names);
    PyObject *index = PyDict_New();  /* name -> column number */
    PyObject **slots = PyMem_Calloc((size_t)(ncols ? ncols : 1), sizeof(PyObject *));
    Column *cols = columns_new(ncols, nrows);
    PyObject *result = NULL;
    if (index == NULL || slots == NULL || cols == NULL) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t c = 0; c < ncols; c++) {
        PyObject *name = PyList_GET_ITEM(names, c);
        if (!PyUnicode_Check(name)) {
            PyErr_SetString(PyExc_TypeError, "column names must be str");
            goto done;
        }
        PyObject *number = PyLong_FromSsize_t(c);
        if (number == NULL || PyDict_SetItem(index, name, number) < 0) {
            Py_XDECREF(number);
            goto done;
        }
        Py_DECREF(number);
    }
    for (Py_ssize_t r = 0; r < nrows; r++) {
        PyObject *doc = PyList_GET_ITEM(docs, r);
        if (!PyDict_Check(doc)) {
            PyErr_SetString(PyExc_TypeError, "columns() takes a list of dicts");
            goto done;
        }
        memset(slots, 0, (size_t)ncols * sizeof(PyObject *));
        if (PyDict_GET_SIZE(doc) <= ncols) {  /* walk the document's keys */
            Py_ssize_t pos = 0;
            PyObject *key, *value;
            while (PyDict_Next(doc, &pos, &key, &value)) {
                PyObject *number = PyDict_GetItemWithError(index, key);
                if (number != NULL) {
                    slots[PyLong_AsSsize_t(number)] = value;
                } else if (PyErr_Occurred()) {
                    goto done;
                }
            }
        } else {  /* walk the names */
            for (Py_ssize_t c = 0; c < ncols; c++) {
                slots[c] = PyDict_GetItemWithError(doc, PyList_GET_ITEM(names, c));
                if (slots[c] == NULL && PyErr_Occurred()) goto done;
            }
        }
        for (Py_ssize_t c = 0; c < ncols; c++) {
            if (column_put(&cols[c], r, slots[c], to_text) < 0) goto done;
        }
    }
    result = columns_result(cols, ncols, nrows);
done:
    Py_XDECREF(index);
    PyMem_Free(slots);
    if (cols != NULL) columns_free(cols, ncols);
    return result;
}


static PyObject *texts(PyObject *self, PyObject *args) {
    PyObject *values, *to_text;
    if (!PyArg_ParseTuple(args, "O!O:texts", &PyList_Type, &values, &to_text)) return NULL;
    const Py_ssize_t nrows = PyList_GET_SIZE(values);
    Column *col = columns_new(1, nrows);
    if (col == NULL) return NULL;
    PyObject *result = NULL;
    for (Py_ssize_t r = 0; r < nrows; r++) {
        if (r >= PyList_GET_SIZE(values)) {  /* to_text is Python code: it could shrink the list */
            PyErr_SetString(PyExc_RuntimeError, "texts(): the list changed size");
            goto done;
        }
        PyObject *value = Py_NewRef(PyList_GET_ITEM(values, r));
        int rc = column_put(col, r, value, to_text);
        Py_DECREF(value);
        if (rc < 0) goto done;
    }
    result = columns_result(col, 1, nrows);
done:
    columns_free(col, 1);
    if (result == NULL) return NULL;
    PyObject *only = Py_NewRef(PyList_GET_ITEM(result, 0));
    Py_DECREF(result);
    return only;
}

/* ---- kv_columns: kv_next over many texts, values written into Arrow buffers ---- */

typedef struct {
    const char *key;
    Py_ssize_t len;
    Py_ssize_t col;   /* column number, or -1 */
    int req;          /* required key number, or -1 */
} KeyEntry;


static Py_ssize_t key_find(const KeyEntry *keys, Py_ssize_t nkeys, const char *k, Py_ssize_t len) {
    for (Py_ssize_t e = 0; e < nkeys; e++)
        if (keys[e].len == len && memcmp(keys[e].key, k, (size_t)len) == 0) return e;
    return -1;
}

static PyObject *kv_columns(PyObject *self, PyObject *args) {
    PyObject *texts, *names, *required;
    int comma;
    if (!PyArg_ParseTuple(args, "O!O!pO!:kv_columns", &PyList_Type, &texts, &PyList_Type, &names, &comma,
                          &PyList_Type, &required))
        return NULL;
    const Py_ssize_t ntexts = PyList_GET_SIZE(texts), ncols = PyList_GET_SIZE(names);
    const Py_ssize_t nreq = PyList_GET_SIZE(required);
    if (nreq > 64) {
        PyErr_SetString(PyExc_ValueError, "at most 64 required keys");
        return NULL;
    }
    const Py_ssize_t cap = ncols + nreq + 1;
    KeyEntry *keys = PyMem_Calloc((size_t)cap, sizeof(KeyEntry));
    KvPair *slots = PyMem_Calloc((size_t)(ncols ? ncols : 1), sizeof(KvPair));  /* per column: its pair */
    Column *cols = columns_new(ncols, ntexts);
    Scratch scratch = {NULL, 0};
    Py_ssize_t nkeys = 0, nrows = 0;
    PyObject *rows = PyList_New(0), *missing = PyList_New(0), *result = NULL, *built = NULL;
    if (keys == NULL || slots == NULL || cols == NULL || rows == NULL || missing == NULL) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t c = 0; c < ncols + nreq; c++) {
        PyObject *name = c < ncols ? PyList_GET_ITEM(names, c) : PyList_GET_ITEM(required, c - ncols);
        Py_ssize_t len;
        const char *k = PyUnicode_Check(name) ? PyUnicode_AsUTF8AndSize(name, &len) : NULL;
        if (k == NULL) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "key names must be str");
            goto done;
        }
        Py_ssize_t e = key_find(keys, nkeys, k, len);
        if (e < 0) {
            e = nkeys++;
            keys[e] = (KeyEntry){k, len, -1, -1};
        }
        if (c < ncols && keys[e].col < 0) keys[e].col = c;
        if (c >= ncols) keys[e].req = (int)(c - ncols);
    }
    const uint64_t all_req = nreq == 64 ? ~(uint64_t)0 : (((uint64_t)1 << nreq) - 1);
    for (Py_ssize_t t = 0; t < ntexts; t++) {
        PyObject *text = PyList_GET_ITEM(texts, t);
        if (!PyUnicode_Check(text)) {
            PyErr_SetString(PyExc_TypeError, "kv_columns() takes a list of str");
            goto done;
        }
        Py_ssize_t n;
        const unsigned char *s = (const unsigned char *)PyUnicode_AsUTF8AndSize(text, &n);
        if (s == NULL) goto done;
        for (Py_ssize_t c = 0; c < ncols; c++) slots[c].key = -1;
        uint64_t seen = 0;
        Py_ssize_t pos = 0;
        KvPair pair;
        while (kv_next(s, n, &pos, comma, &pair)) {
            Py_ssize_t e = key_find(keys, nkeys, (const char *)s + pair.key, pair.key_len);
            if (e >= 0) {
                if (keys[e].col >= 0) slots[keys[e].col] = pair;
                if (keys[e].req >= 0) seen |= (uint64_t)1 << keys[e].req;
            }
        }
        if ((seen & all_req) != all_req) {
            PyObject *absent = PyList_New(0);
            if (absent == NULL) goto done;
            for (Py_ssize_t r = 0; r < nreq; r++) {
                if (!(seen & ((uint64_t)1 << r)) && PyList_Append(absent, PyList_GET_ITEM(required, r)) < 0) {
                    Py_DECREF(absent);
                    goto done;
                }
            }
            PyObject *item = Py_BuildValue("(nN)", t, absent);
            if (item == NULL || PyList_Append(missing, item) < 0) {
                Py_XDECREF(item);
                goto done;
            }
            Py_DECREF(item);
            continue;
        }
        PyObject *index = PyLong_FromSsize_t(t);
        if (index == NULL || PyList_Append(rows, index) < 0) {
            Py_XDECREF(index);
            goto done;
        }
        Py_DECREF(index);
        for (Py_ssize_t c = 0; c < ncols; c++) {
            if (slots[c].key < 0) {
                cols[c].nulls++;
                cols[c].offsets[nrows + 1] = (int32_t)cols[c].size;
                continue;
            }
            Py_ssize_t len;
            const char *v = pair_value((const char *)s, &slots[c], &scratch, &len);
            if (v == NULL || column_append(&cols[c], nrows, v, len) < 0) goto done;
        }
        nrows++;
    }
    built = columns_result(cols, ncols, nrows);
    if (built != NULL) result = Py_BuildValue("(OOO)", rows, missing, built);
done:
    Py_XDECREF(rows);
    Py_XDECREF(missing);
    Py_XDECREF(built);
    PyMem_Free(keys);
    PyMem_Free(slots);
    PyMem_Free(scratch.buf);
    if (cols != NULL) columns_free(cols, ncols);
    return result;
}

static PyMethodDef methods[] = {
    {"kv_pairs", kv_pairs, METH_VARARGS, "key=value pairs of a text as a dict (see soc/fastcols.py)."},
    {"kv_columns", kv_columns, METH_VARARGS, "kv_pairs of many texts into Arrow buffers (see above)."},
    {"flatten", flatten, METH_O, "Nested dicts as dotted keys (see soc/fastcols.py)."},
    {"has_huge_float", has_huge_float, METH_O, "A float beyond the 64-bit integer range in obj (see above)."},
    {"columns", columns, METH_VARARGS, "Arrow string buffers of doc.get(name) over docs, per name."},
    {"texts", texts, METH_VARARGS, "Arrow string buffers of a list of texts (see above)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fastcols", NULL, -1, methods};

PyMODINIT_FUNC PyInit__fastcols(void) {
    DOT = PyUnicode_InternFromString(".");
    if (DOT == NULL) return NULL;
    return PyModule_Create(&module);
}
