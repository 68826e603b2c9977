"""The demo product's fixed facts: archetypes, places, plans, platforms, content, features and names.

Everything the generator draws from is declared here once, as plain tuples, so that the behaviour model
(`users`, `activity`, `events`) reads as arithmetic on codes (indexes into these tuples).
"""

from __future__ import annotations

from typing import NamedTuple


class Archetype(NamedTuple):
    """How one kind of user behaves; `sessions_per_day` is about the share of days they practise."""

    name: str
    share: float
    sessions_per_day: float
    items_per_session: float
    learn_exercises: float  # exercises after which about 63% of the way to level 10 is done
    accuracy_logit: float
    feature_share: float  # share of a session's items that are feature uses
    churn_share: float
    upgrade_share: float


ARCHETYPES = (
    Archetype("power", 0.03, 0.45, 4.0, 120.0, 1.1, 0.14, 0.0, 0.35),
    Archetype("regular", 0.12, 0.11, 3.5, 220.0, 0.6, 0.10, 0.0, 0.14),
    Archetype("casual", 0.52, 0.04, 2.2, 320.0, 0.1, 0.07, 0.65, 0.03),
    Archetype("declining", 0.18, 0.13, 3.2, 260.0, 0.4, 0.08, 1.0, 0.05),
    Archetype("resurrecting", 0.15, 0.08, 3.2, 240.0, 0.4, 0.09, 0.0, 0.08),
)
POWER, REGULAR, CASUAL, DECLINING, RESURRECTING = range(len(ARCHETYPES))


class City(NamedTuple):
    country: str
    name: str
    zone: str
    share: float  # of its country's users


class Country(NamedTuple):
    code: str
    share: float
    ipv4_first_octets: tuple[int, ...]


COUNTRIES = (
    Country("US", 0.27, (23, 24, 50, 67, 73, 98)),
    Country("GB", 0.09, (31, 81, 86)),
    Country("DE", 0.09, (46, 79, 84, 91)),
    Country("FR", 0.06, (37, 78, 82, 90)),
    Country("ES", 0.05, (77, 83, 88)),
    Country("BR", 0.09, (177, 179, 186, 189)),
    Country("IN", 0.12, (49, 103, 106, 117)),
    Country("JP", 0.06, (60, 114, 126, 133)),
    Country("AU", 0.05, (1, 101, 110, 121)),
    Country("CA", 0.06, (70, 99, 142, 174)),
    Country("MX", 0.06, (187, 189, 200, 201)),
)

CITIES = (
    City("US", "New York", "America/New_York", 0.30),
    City("US", "Los Angeles", "America/Los_Angeles", 0.25),
    City("US", "Chicago", "America/Chicago", 0.20),
    City("US", "Houston", "America/Chicago", 0.15),
    City("US", "Seattle", "America/Los_Angeles", 0.10),
    City("GB", "London", "Europe/London", 0.60),
    City("GB", "Manchester", "Europe/London", 0.25),
    City("GB", "Edinburgh", "Europe/London", 0.15),
    City("DE", "Berlin", "Europe/Berlin", 0.40),
    City("DE", "Munich", "Europe/Berlin", 0.35),
    City("DE", "Hamburg", "Europe/Berlin", 0.25),
    City("FR", "Paris", "Europe/Paris", 0.60),
    City("FR", "Lyon", "Europe/Paris", 0.25),
    City("FR", "Marseille", "Europe/Paris", 0.15),
    City("ES", "Madrid", "Europe/Madrid", 0.55),
    City("ES", "Barcelona", "Europe/Madrid", 0.45),
    City("BR", "São Paulo", "America/Sao_Paulo", 0.60),
    City("BR", "Rio de Janeiro", "America/Sao_Paulo", 0.40),
    City("IN", "Mumbai", "Asia/Kolkata", 0.40),
    City("IN", "Delhi", "Asia/Kolkata", 0.35),
    City("IN", "Bengaluru", "Asia/Kolkata", 0.25),
    City("JP", "Tokyo", "Asia/Tokyo", 0.70),
    City("JP", "Osaka", "Asia/Tokyo", 0.30),
    City("AU", "Sydney", "Australia/Sydney", 0.55),
    City("AU", "Melbourne", "Australia/Melbourne", 0.45),
    City("CA", "Toronto", "America/Toronto", 0.55),
    City("CA", "Vancouver", "America/Vancouver", 0.45),
    City("MX", "Mexico City", "America/Mexico_City", 0.70),
    City("MX", "Guadalajara", "America/Mexico_City", 0.30),
)

PLANS = ("free", "pro", "team")
PLAN_SHARES_AT_SIGNUP = (0.86, 0.10, 0.04)
FREE, PRO, TEAM = range(len(PLANS))

# Relative sessions starting in each local hour 0-23 for users without a habit: an evening peak.
START_HOUR_WEIGHTS = (
    0.4, 0.2, 0.1, 0.1, 0.1, 0.3, 1.2, 2.6, 2.8, 2.0, 1.6, 1.8,
    2.6, 2.4, 1.8, 1.7, 2.0, 2.8, 3.8, 5.2, 5.8, 5.0, 3.2, 1.4,
)  # fmt: skip

PLATFORMS = ("web", "ios", "android")
PLATFORM_SHARES = (0.40, 0.33, 0.27)
USER_AGENTS = (
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.4 Safari/605.1.15",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36",
    ),
    (
        "Practica/5.3.1 (iPhone; iOS 17.4; Scale/3.00)",
        "Practica/5.3.1 (iPad; iOS 17.4; Scale/2.00)",
        "Practica/5.2.0 (iPhone; iOS 16.7; Scale/3.00)",
    ),
    (
        "Practica/5.3.1 (Linux; Android 14; Pixel 8)",
        "Practica/5.3.0 (Linux; Android 13; SM-S911B)",
        "Practica/5.2.4 (Linux; Android 12; Redmi Note 11)",
    ),
)
# Mobile networks hand out IPv6 more often than home broadband.
IPV6_SHARE_BY_PLATFORM = (0.06, 0.18, 0.18)

SKILLS = ("vocabulary", "grammar", "listening", "speaking", "reading")
LEVELS = 10
EXERCISES_PER_LEVEL = 60
LESSONS_PER_LEVEL = 20


class Feature(NamedTuple):
    """A product feature whose adoption follows an S-curve centred at `midpoint` (share of the period)."""

    name: str
    midpoint: float
    width: float
    reach: float  # share of users who ever adopt it
    popularity: float  # weight when an adopter picks a feature to use


FEATURES = (
    Feature("search", -0.20, 0.10, 0.80, 3.0),
    Feature("bookmarks", 0.15, 0.08, 0.50, 1.5),
    Feature("flashcards", 0.35, 0.07, 0.70, 2.5),
    Feature("leaderboard", 0.50, 0.06, 0.45, 1.5),
    Feature("offline_mode", 0.65, 0.06, 0.35, 1.0),
    Feature("study_plan", 0.70, 0.05, 0.55, 1.5),
    # Launched during the period (the feature_launch incident): its S-curve is set in days after launch.
    Feature("ai_tutor", 0.0, 0.0, 0.60, 3.0),
)
LAUNCHED_FEATURE = len(FEATURES) - 1
LAUNCH_ADOPTION_MIDPOINT_DAYS = 20.0
LAUNCH_ADOPTION_WIDTH_DAYS = 6.0

ACHIEVEMENTS = ("first_week", "streak_7", "exercises_100", "accuracy_90")
FIRST_WEEK, STREAK_7, EXERCISES_100, ACCURACY_90 = range(len(ACHIEVEMENTS))

ACTIVITY_TYPES = ("session_start", "signup", "achievement", "lesson", "exercise", "feature_use", "upgrade")
SESSION_START, SIGNUP, ACHIEVEMENT, LESSON, EXERCISE, FEATURE_USE, UPGRADE = range(len(ACTIVITY_TYPES))

REFERRERS = ("organic", "search", "social", "friend", "ads")
REFERRER_SHARES = (0.35, 0.20, 0.18, 0.12, 0.15)
AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55+")
AGE_BAND_SHARES = (0.28, 0.32, 0.20, 0.12, 0.08)
GOALS = ("travel", "career", "school", "family", "hobby")
GOAL_SHARES = (0.25, 0.30, 0.20, 0.10, 0.15)
EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example.com")

FIRST_NAMES = (
    "Ana", "Ben", "Carla", "David", "Elif", "Felix", "Grace", "Hiro", "Ines", "Jonas", "Kavya", "Liam",
    "Maria", "Noah", "Olivia", "Pedro", "Quinn", "Rosa", "Sam", "Tara", "Umar", "Vera", "Wei", "Yuki",
    "Zoe", "Aarav", "Chloe", "Diego", "Emma", "Hannah", "Isabel", "Jack", "Lucas", "Mei", "Nina", "Omar",
    "Priya", "Rafael", "Sofia", "Thomas", "Lena", "Mateo", "Sara", "Arjun", "Camille", "Leon", "Ava", "Kenji",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Garcia", "Müller", "Martin", "Silva", "Sharma", "Tanaka", "Brown", "Lopez", "Schmidt",
    "Dubois", "Santos", "Patel", "Sato", "Wilson", "Hernandez", "Fischer", "Bernard", "Costa", "Gupta",
    "Suzuki", "Taylor", "Martinez", "Weber", "Moreau", "Oliveira", "Singh", "Kobayashi", "Clark", "Rossi",
    "Nguyen", "Kim", "Walker", "Meyer", "Laurent", "Pereira", "Iyer", "Ito", "Young", "Ramirez",
)  # fmt: skip
