#!/usr/bin/python3
"""Generate Django password-hash and password-validator test vectors.

Run with Debian's packages (python3-django python3-argon2 python3-bcrypt):

    /usr/bin/python3 auth/testdata/gen_vectors.py > auth/testdata/django_hashes.json

Django 3.2's hashers produce the same formats as Django 5.2's; the work
factors that changed between them (PBKDF2 iterations) are set explicitly, so
the vectors cover Django 5.2's defaults (pbkdf2_sha256 at 1,000,000
iterations, argon2id m=102400 t=2 p=8, bcrypt_sha256 at 12 rounds) as well as
older parameters that a Djinn site must verify and upgrade.

Salts are fixed so that the Go tests can re-encode and compare byte for byte.
"""
import json
import sys

import django
from django.conf import settings

settings.configure(
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes"],
    DATABASES={},
    USE_I18N=False,
)
django.setup()

import argon2  # noqa: E402
import bcrypt  # noqa: E402
from django.contrib.auth import hashers  # noqa: E402
from django.contrib.auth import password_validation  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.exceptions import ValidationError  # noqa: E402

ASCII = "correct horse battery staple"
UNICODE = "pässwörd🔑"
EMPTY = ""
LONG = ("Tr0ub4dor&3-" * 17)[:200]
PASSWORDS = [ASCII, UNICODE, EMPTY, LONG]
SALT = "6v4PQyPVMyKDxXSA0Zn3Qx"  # 22 chars of Django's alphabet (128 bits)
SHORT_SALT = "seasalt"  # pre-3.2 Django used 12 chars; this one is even shorter
BCRYPT_SALT_12 = b"$2b$12$Cw3b6zX6uZ2qh1lq3dHlVe"
BCRYPT_SALT_4 = b"$2b$04$Cw3b6zX6uZ2qh1lq3dHlVe"


def pbkdf2(iterations, cls=hashers.PBKDF2PasswordHasher):
    return type("H", (cls,), {"iterations": iterations})()


def argon2_hasher(t, m, p, variety="ID"):
    h = type("H", (hashers.Argon2PasswordHasher,),
             {"time_cost": t, "memory_cost": m, "parallelism": p})()
    if variety != "ID":
        base = h.params

        def params():
            ps = base()
            ps.type = getattr(argon2.low_level.Type, variety)
            return ps
        h.params = params
    return h


def bcrypt_hasher(rounds, cls=hashers.BCryptSHA256PasswordHasher):
    return type("H", (cls,), {"rounds": rounds})()


vectors = []


def add(note, hasher, passwords, salt, params):
    for pw in passwords:
        encoded = hashers.make_password(pw, salt, hasher)
        assert hasher.verify(pw, encoded)
        assert not hasher.verify("x" + pw, encoded)
        vectors.append({
            "note": note,
            "algorithm": hasher.algorithm,
            "password": pw,
            "salt": salt.decode() if isinstance(salt, bytes) else salt,
            "params": params,
            "encoded": encoded,
        })


add("Django 5.2 default iterations", pbkdf2(1_000_000), [ASCII], SALT,
    {"iterations": 1_000_000})
add("Django 3.2 default iterations", pbkdf2(260_000), [UNICODE], SALT,
    {"iterations": 260_000})
add("low iterations", pbkdf2(1000), PASSWORDS, SALT, {"iterations": 1000})
add("low iterations, short salt", pbkdf2(1000), [ASCII], SHORT_SALT,
    {"iterations": 1000})
add("legacy pbkdf2_sha1", pbkdf2(1000, hashers.PBKDF2SHA1PasswordHasher),
    [ASCII, UNICODE], SALT, {"iterations": 1000})
add("Django 5.2 default argon2id", argon2_hasher(2, 102400, 8), [ASCII, UNICODE], SALT,
    {"time_cost": 2, "memory_cost": 102400, "parallelism": 8})
add("Django 3.1 argon2id parameters", argon2_hasher(2, 512, 2), PASSWORDS,
    SALT, {"time_cost": 2, "memory_cost": 512, "parallelism": 2})
add("argon2i (Django < 3.1)", argon2_hasher(2, 512, 2, "I"), [ASCII], SALT,
    {"time_cost": 2, "memory_cost": 512, "parallelism": 2})
add("Django 5.2 default bcrypt_sha256", bcrypt_hasher(12), [ASCII],
    BCRYPT_SALT_12, {"rounds": 12})
add("low-cost bcrypt_sha256", bcrypt_hasher(4), PASSWORDS, BCRYPT_SALT_4,
    {"rounds": 4})
add("legacy bcrypt (no SHA-256, 72-byte truncation)",
    bcrypt_hasher(4, hashers.BCryptPasswordHasher), [ASCII, UNICODE, LONG],
    BCRYPT_SALT_4, {"rounds": 4})

unusable = hashers.make_password(None)
assert not hashers.is_password_usable(unusable)

# Validators: the messages Django's default AUTH_PASSWORD_VALIDATORS give.
validators = password_validation.get_password_validators([
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
])
USER = {"username": "johnsmith", "first_name": "Johnny", "last_name": "Appleseed",
        "email": "john.smith@example.com"}
cases = [
    ("fine", "y8#Kd0!qLr2@", USER),
    ("short", "x7#Q", USER),
    ("common", "password", USER),
    ("common with case and spaces", "  PassWord1 ", USER),
    ("numeric", "8427960315", USER),
    ("short numeric common", "1234", USER),
    ("username", "johnsmith1", USER),
    ("username reversed", "htimsnhoj", USER),
    ("first name", "johnny!x", USER),
    ("last name", "appleseed", USER),
    ("email part", "smith.example", USER),
    ("whole email", "john.smith@example.co", USER),
    ("unicode", "pässwörd🔑", USER),
    ("unicode similar", "jöhnsmith", USER),
    ("no user", "johnsmith1", None),
    ("empty", "", USER),
    ("long password, short attribute", "abcdefghijklmnopqrstuvwxyz0123", {"username": "ab"}),
    ("unicode name", "Zoë-Ågren-99", {"username": "zoë_ågren", "first_name": "Zoë"}),
]
validator_cases = []
for name, pw, attrs in cases:
    user = User(**attrs) if attrs is not None else None
    try:
        password_validation.validate_password(pw, user, validators)
        messages = []
    except ValidationError as e:
        messages = list(e.messages)
    validator_cases.append({"name": name, "password": pw,
                            "user": attrs, "messages": messages})

json.dump({
    "django_version": django.get_version(),
    "argon2_cffi_version": argon2.__version__,
    "bcrypt_version": bcrypt.__version__,
    "python_version": sys.version.split()[0],
    "unusable_example": unusable,
    "help_texts": password_validation.password_validators_help_texts(validators),
    "vectors": vectors,
    "validators": validator_cases,
}, sys.stdout, ensure_ascii=False, indent=1)
sys.stdout.write("\n")
