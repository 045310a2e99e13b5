/* The numbers pain points group a batch of raw query texts by, in one C pass:
 * `text_keys.key_numbers`' engine.
 *
 * For each text, the hash and the length of its normalised form, exactly as
 * `text_hash(key)` and `len(key)` give them for `key` in `text_keys.normalised_batch`:
 *   - a text the statement normalised (its `by_sql` is a str) is that str;
 *   - an ASCII text is normalised here, as `normalised_batch` does it: the six ASCII whitespace
 *     characters are spaces, each run of them inside the text one space, none at either end, and
 *     capitals lower-cased;
 *   - any other text is normalised by Python (`normalise`).
 * With `text_hash` None, an ASCII key is hashed as Python hashes a str of one byte per
 * character (its bytes through the interpreter's keyed hash), so the keys are never built as str
 * objects: that, and not the hashing, is what the batch saves. `text_keys` checks at import that
 * the two hashes agree. No PostgreSQL text holds NUL, which `normalised_batch` joins a batch by:
 * an ASCII text with one is refused.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* Python's hash of a str of one byte per character, by its bytes: public from 3.14 on. */
#if PY_VERSION_HEX >= 0x030E0000
#define HASH_BYTES(bytes, length) Py_HashBuffer((bytes), (length))
#else
#define HASH_BYTES(bytes, length) _Py_HashBytes((bytes), (length))
#endif

/* Each ASCII byte as its key writes it: the whitespace the SQL definition folds (for ASCII text,
 * `\s` in PostgreSQL's regular expressions, as `text_queries._sql_normalises` checks) as a
 * space, capitals lower-cased. Filled in by the module's init. */
static unsigned char folded[256];

static void fill_folded(void) {
    for (int c = 0; c < 256; c++) {
        int space = c == ' ' || (c >= '\t' && c <= '\r');
        folded[c] = space ? ' ' : (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 'a' - 'A')
                                                           : (unsigned char)c;
    }
}

/* Write `text`'s normalised bytes to `key`, which holds at least `length` bytes; return how
 * many. Without a branch on the text's bytes: a space is written, and kept only where the byte
 * before it was no space (nor the text's start); one left at the end is dropped. */
static Py_ssize_t normalised_ascii(const unsigned char *text, Py_ssize_t length,
                                   unsigned char *key) {
    Py_ssize_t written = 0;
    int spaced = 1;
    for (Py_ssize_t i = 0; i < length; i++) {
        unsigned char c = folded[text[i]];
        int space = c == ' ';
        key[written] = c;
        written += !(space & spaced);
        spaced = space;
    }
    return written - (written > 0 && key[written - 1] == ' ');
}

/* Set `*hash` to `text_hash(key)` for a str `key`, or to Python's own hash of it with
 * `text_hash` None. */
static int hash_of(PyObject *key, PyObject *text_hash, int64_t *hash) {
    if (text_hash == Py_None) {
        Py_hash_t own = PyObject_Hash(key);
        if (own == -1 && PyErr_Occurred()) {
            return -1;
        }
        *hash = (int64_t)own;
        return 0;
    }
    PyObject *result = PyObject_CallOneArg(text_hash, key);
    if (result == NULL) {
        return -1;
    }
    long long value = PyLong_AsLongLong(result);
    Py_DECREF(result);
    if (value == -1 && PyErr_Occurred()) {
        return -1;
    }
    *hash = (int64_t)value;
    return 0;
}

/* Set `*hash` and `*length` from a key given as a str (`by_sql`'s, or `normalise`'s). */
static int numbers_of_key(PyObject *key, PyObject *text_hash, int64_t *hash, int32_t *length) {
    if (!PyUnicode_Check(key)) {
        PyErr_SetString(PyExc_TypeError, "a normalised text must be str");
        return -1;
    }
    /* Not the macro: on 3.11, a str made through the legacy API is readied first. */
    Py_ssize_t characters = PyUnicode_GetLength(key);
    if (characters < 0) {
        return -1;
    }
    if (characters > INT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "a text of more than 2**31 characters");
        return -1;
    }
    *length = (int32_t)characters;
    return hash_of(key, text_hash, hash);
}

/* Set `*hash` and `*length` for the ASCII text `text`, normalised into `*key` (grown to fit). */
static int numbers_of_ascii(PyObject *text, PyObject *text_hash, unsigned char **key,
                            Py_ssize_t *capacity, int64_t *hash, int32_t *length) {
    Py_ssize_t size = PyUnicode_GET_LENGTH(text);
    const unsigned char *bytes = PyUnicode_DATA(text);
    if (memchr(bytes, 0, (size_t)size) != NULL) {
        /* As `normalised_batch` cannot take one: it joins a batch's texts by NUL. */
        PyErr_SetString(PyExc_ValueError, "a text holds NUL");
        return -1;
    }
    if (size > *capacity) {
        unsigned char *grown = PyMem_Realloc(*key, (size_t)size);
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        *key = grown;
        *capacity = size;
    }
    Py_ssize_t written = normalised_ascii(bytes, size, *key);
    if (written > INT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "a text of more than 2**31 characters");
        return -1;
    }
    *length = (int32_t)written;
    if (text_hash == Py_None) {
        *hash = (int64_t)HASH_BYTES(*key, written);
        return 0;
    }
    PyObject *built = PyUnicode_DecodeASCII((const char *)*key, written, NULL);
    if (built == NULL) {
        return -1;
    }
    int failed = hash_of(built, text_hash, hash);
    Py_DECREF(built);
    return failed;
}

/* One row's numbers: from its SQL key, its ASCII text, or `normalise(text)`. */
static int numbers_of_row(PyObject *text, PyObject *by_sql, PyObject *normalise,
                          PyObject *text_hash, unsigned char **key, Py_ssize_t *capacity,
                          int64_t *hash, int32_t *length) {
    if (by_sql != Py_None) {
        return numbers_of_key(by_sql, text_hash, hash, length);
    }
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "texts must be str");
        return -1;
    }
    if (PyUnicode_IS_ASCII(text)) {
        return numbers_of_ascii(text, text_hash, key, capacity, hash, length);
    }
    PyObject *normalised = PyObject_CallOneArg(normalise, text);
    if (normalised == NULL) {
        return -1;
    }
    int failed = numbers_of_key(normalised, text_hash, hash, length);
    Py_DECREF(normalised);
    return failed;
}

static PyObject *numbers(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *texts_in, *by_sql_in, *normalise, *text_hash;
    if (!PyArg_ParseTuple(args, "OOOO:numbers", &texts_in, &by_sql_in, &normalise, &text_hash)) {
        return NULL;
    }
    if (!PyCallable_Check(normalise) || (text_hash != Py_None && !PyCallable_Check(text_hash))) {
        PyErr_SetString(PyExc_TypeError, "normalise and text_hash must be callable");
        return NULL;
    }
    /* Tuples of their own: `normalise` or `text_hash` may run any Python, the caller's lists
     * changed among it, and never what is read here. */
    PyObject *texts = PySequence_Tuple(texts_in);
    if (texts == NULL) {
        return NULL;
    }
    PyObject *by_sql = PySequence_Tuple(by_sql_in);
    if (by_sql == NULL) {
        Py_DECREF(texts);
        return NULL;
    }
    PyObject *hashes = NULL, *lengths = NULL, *result = NULL;
    unsigned char *key = NULL;
    Py_ssize_t capacity = 0;
    Py_ssize_t count = PyTuple_GET_SIZE(texts);
    if (PyTuple_GET_SIZE(by_sql) != count) {
        PyErr_SetString(PyExc_ValueError, "texts and by_sql differ in length");
        goto done;
    }
    hashes = PyBytes_FromStringAndSize(NULL, count * (Py_ssize_t)sizeof(int64_t));
    lengths = PyBytes_FromStringAndSize(NULL, count * (Py_ssize_t)sizeof(int32_t));
    if (hashes == NULL || lengths == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        int64_t hash;
        int32_t length;
        if (numbers_of_row(PyTuple_GET_ITEM(texts, i), PyTuple_GET_ITEM(by_sql, i), normalise,
                           text_hash, &key, &capacity, &hash, &length) < 0) {
            goto done;
        }
        /* Copied, not stored through a cast: bytes promise no alignment. */
        memcpy(PyBytes_AS_STRING(hashes) + i * (Py_ssize_t)sizeof hash, &hash, sizeof hash);
        memcpy(PyBytes_AS_STRING(lengths) + i * (Py_ssize_t)sizeof length, &length,
               sizeof length);
    }
    result = PyTuple_Pack(2, hashes, lengths);
done:
    PyMem_Free(key);
    Py_XDECREF(hashes);
    Py_XDECREF(lengths);
    Py_DECREF(texts);
    Py_DECREF(by_sql);
    return result;
}

static PyMethodDef methods[] = {
    {"numbers", numbers, METH_VARARGS,
     "Return each normalised text's hash (native int64s) and length (native int32s)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_text_keys",
    .m_doc = PyDoc_STR("The hash and length of each normalised text of a batch, in one C pass."),
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__text_keys(void) {
    fill_folded();
    return PyModule_Create(&module);
}
