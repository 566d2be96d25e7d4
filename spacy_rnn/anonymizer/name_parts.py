"""Name parts of a text: splitting a name into given names and surname, the key of a part,
titles and honorifics, the particles of names (van, bin, al) and the cues that mark a word as a name.
"""
import re
from functools import lru_cache
from typing import List, Optional, Sequence, Tuple

from spacy.lang.en.stop_words import STOP_WORDS

from .name_generator import normalize_name

# a name part: letters, with inner apostrophes or hyphens (O'Brien, Jean-Luc)
NAME_PART = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
HANDLE = re.compile(r"@[\w.\-]+")
POSSESSIVE = re.compile(r"['’][sS]$")
HONORIFICS = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "mister", "dame", "lord", "lady",
              "sr", "jr", "st", "mme", "mlle", "herr", "frau", "sra", "srta", "señor", "señora", "senor", "senora",
              # honorifics of other languages, written before a given name ("Khun Somchai", "Encik Ahmad")
              "khun", "encik", "puan", "tuan", "bapak", "ibu", "shri", "shrimati", "smt", "monsieur", "madame",
              "signor", "signora", "ustaz", "ustadh"}

# The lowercase particles of names, each with what it does:
#   skip  - inside a detected name it is not a name part of its own ("Ludwig van Beethoven": van stays)
#   join  - it may begin a two-word surname in the pseudonym pools ("bin rahim", "al haddad")
#   lower - it stays lowercase when a pseudonym is written in Title case ("bin Rahim", but "Al Haddad")
_PARTICLE_ROLES = {
    "van": "skip join lower", "von": "skip join lower", "de": "skip join lower", "da": "skip join lower",
    "di": "skip join lower", "del": "skip join lower", "dos": "skip join lower", "la": "skip join lower",
    "le": "skip join lower", "ter": "skip join lower", "ten": "skip join lower", "bin": "skip join lower",
    "binti": "join lower", "al": "skip join", "el": "skip join", "abu": "join", "mac": "join", "st": "join",
    "der": "skip", "den": "skip", "della": "skip", "das": "skip", "du": "skip", "ibn": "skip", "ben": "skip",
    "af": "skip", "zu": "skip", "y": "skip", "e": "skip",
}
PARTICLES = frozenset(_PARTICLE_ROLES)
SKIPPED_PARTICLES = frozenset(p for p, roles in _PARTICLE_ROLES.items() if "skip" in roles.split())
SURNAME_PARTICLES = frozenset(p for p, roles in _PARTICLE_ROLES.items() if "join" in roles.split())
LOWER_PARTICLES = frozenset(p for p, roles in _PARTICLE_ROLES.items() if "lower" in roles.split())

# Japanese honorific suffixes belong to the text, not to the name: "Tanaka-san" -> "Tanaka" + "-san"
_JA_HONORIFIC = r"-(?:san|sama|kun|chan|sensei|senpai|sempai|dono)"
_JA_SUFFIX = re.compile(_JA_HONORIFIC + r"$", re.IGNORECASE)
_JA_CUE = re.compile(r"(?<![\w'’\-])([^\W\d_]{2,})" + _JA_HONORIFIC + r"(?![\w\-])", re.IGNORECASE)
# A title right before a word marks it as a name. Lowercase and ALL-CAPS titles count only
# with their period ("mrs. dubois", "MR. JONES"; not "MS Word"). "Miss" is left out: Title-Case
# tweets use it as a verb ("Gonna Miss Everybody"), as are "Sir", "Lady", "Lord".
_TITLE_CUE = re.compile(
    r"(?<![\w.])(?:(?:Mr|Mrs|Ms|Mx|Dr|Prof|Mme|Mlle|Herr|Frau|Sra|Srta|Mister|Khun|Encik|Puan|Tuan|Bapak|Shri"
    r"|Monsieur|Madame|Señor|Señora|Signor|Signora)\.?"
    r"|(?:mr|mrs|ms|dr|prof|MR|MRS|MS|DR|PROF)\.)[ \t]+(?=[^\W\d_])")
MAX_CUE_PARTS = 3


def part_key(surface: str) -> str:
    """The key of a name part: folded to the name generator's alphabet and lowercased.

    Keys are compared with the pseudonym pools (written in that alphabet) and hashed into
    the choice of a pseudonym, so they use the generator's normaliser. For the ASCII words
    that NAME_PART matches, lowercasing and stripping ' and - gives the same key, faster.
    """
    if surface.isascii():
        return surface.lower().strip("'-")
    return normalize_name(surface)


def name_parts(text: str, start: int = 0, end: Optional[int] = None) -> List[Tuple[int, int, str]]:
    """Name parts inside ``text[start:end]``: (start, end, surface) without honorifics,
    lowercase particles (van, de, al) or a trailing possessive 's."""
    end = len(text) if end is None else end
    parts = []
    for m in NAME_PART.finditer(text, start, end):
        s, e = m.start(), m.end()
        surface = m.group()
        pm = POSSESSIVE.search(surface)
        if pm and len(surface) > 3:
            e -= 2
            surface = surface[:-2]
        js = _JA_SUFFIX.search(surface)
        if js and js.start() >= 2:
            e -= len(js.group())
            surface = surface[: js.start()]
        low = surface.lower()
        if low.rstrip(".") in HONORIFICS or (surface.islower() and (low in SKIPPED_PARTICLES or low in STOP_WORDS)):
            continue  # "Mr", "van", "of" inside a detected span are not name parts
        parts.append((s, e, surface))
    return parts


@lru_cache(maxsize=10_000)
def split_name(name: str) -> Tuple[str, ...]:
    """The parts of a name given as a string ("Dr. Olena Shevchenko" -> Olena, Shevchenko)."""
    return tuple(p[2] for p in name_parts(str(name)))


def cue_spans(text: str) -> List[Tuple[int, int]]:
    """Names that the text itself marks, whatever their case: the words after a title
    ("Mr. Okonkwo", "mrs. dubois", "Dr. Anna Weber": up to three parts, the later ones
    Title-case) and the word before a Japanese honorific ("Sato-sensei", "yuki-chan")."""
    spans = []
    for m in _TITLE_CUE.finditer(text):
        parts: List[Tuple[int, int]] = []
        for p in NAME_PART.finditer(text, m.end()):
            gap = text[parts[-1][1] : p.start()] if parts else text[m.end() : p.start()]
            later = p.group()
            if gap.strip(" \t") or (parts and not (later[:1].isupper() and not later.isupper())):
                break  # later parts must be Title-case ("MR. JONES CALLED": Jones only)
            parts.append((p.start(), p.end()))
            if len(parts) == MAX_CUE_PARTS:
                break
        if parts and text[parts[0][0] : parts[0][1]].lower() not in STOP_WORDS:
            spans.append((parts[0][0], parts[-1][1]))
    for m in _JA_CUE.finditer(text):
        if m.group(1).lower() not in STOP_WORDS:
            spans.append((m.start(1), m.end(1)))
    for m in _GREETING_CUE.finditer(text):
        words = m.group(1).split()
        if not any(w.lower() in STOP_WORDS or w.lower() in NOT_ADDRESSEES or part_key(w) in NON_NAME_WORDS
                   or _CONTRACTION.search(w) for w in words):
            spans.append((m.start(1), m.end(1)))
    for m in _FEMALE_SURNAME_CUE.finditer(text):
        if m.group().lower() not in NOT_FEMALE_SURNAMES:
            spans.append((m.start(), m.end()))
    if _shouted(text):
        spans += shouted_given_names(text)
    return spans


def _shouted(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 8 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def shouted_given_names(text: str) -> List[Tuple[int, int]]:
    """In a text written in capitals, the common given names of the bundled gazetteer
    ("EMAIL INGRID JOHANSSON", "PLEASE CALL MARIA"), except those that are also words (WILL, GRACE)."""
    from .pseudonyms import AMBIGUOUS  # pseudonyms imports this module
    names = english_given_names()
    out = []
    for m in NAME_PART.finditer(text):
        word = m.group()
        key = part_key(word)
        if word.isupper() and len(word) >= 3 and key in names and key not in AMBIGUOUS and key not in STOP_WORDS \
                and key not in NOT_ADDRESSEES and key not in NON_NAME_WORDS:
            out.append((m.start(), m.end()))
    return out


# -- words the detector takes for names but are not ---------------------------------------------------
def _keys(words: str) -> frozenset:
    return frozenset(part_key(w) for w in words.split())


# greetings and thanks of other languages (folded keys): never name parts
NON_NAME_WORDS = _keys(
    "hola merhaba obrigado obrigada gracias bonjour bonsoir hallo ciao namaste namaskar merci danke grazie "
    "arigato arigatou konnichiwa ohayo annyeong annyeonghaseyo nihao xiexie sawasdee sawatdee kamusta selamat "
    "habari jambo sawubona spasibo privet dobry dobrý dzień dziekuje dziękuję witam cześć ahoj děkuji kiitos "
    "tack takk bedankt goedemorgen goedendag buongiorno buonasera buenos buenas tardes noches noite "
    "günaydın teşekkürler tesekkurler assalamualaikum salamat marhaba shukran ahlan inshallah mashallah sayonara "
    "adiós gutentag tschüss servus grüß")
# greetings that are also names (Ola, Xin, Chao): non-names with their accent, or before a greeting word
_AMBIGUOUS_GREETINGS = {"ola": "olá", "chao": "chào", "xin": None, "salam": None, "selam": None, "oi": "oí"}
# cities (and places) that are not given names: never name parts
CITY_WORDS = _keys(
    "accra jeddah lagos nairobi lisboa lisbon madrid casablanca riyadh dubai doha cairo karachi lahore dhaka "
    "mumbai delhi bangalore bengaluru chennai kolkata hyderabad jakarta manila bangkok hanoi saigon seoul busan "
    "tokyo osaka kyoto beijing shanghai shenzhen guangzhou taipei singapore kuala lumpur istanbul ankara tehran "
    "baghdad amman beirut kabul moscow kyiv kiev warsaw krakow kraków prague vienna berlin munich münchen hamburg "
    "frankfurt amsterdam rotterdam brussels zurich zürich geneva milan milano rome roma naples barcelona sevilla "
    "seville porto london manchester liverpool dublin edinburgh glasgow toronto montreal vancouver chicago boston "
    "seattle miami atlanta denver detroit philadelphia brooklyn manhattan lima bogota bogotá quito caracas "
    "johannesburg durban kampala kigali addis ababa dakar abuja kinshasa luanda harare lusaka mombasa kumasi "
    "ibadan algiers tunis rabat marrakech marrakesh fez mecca makkah melbourne brisbane auckland honolulu "
    "havana nassau oslo stockholm copenhagen helsinki athens budapest bucharest belgrade zagreb "
    "marseille bordeaux valparaiso monterrey guadalajara tijuana medellin medellín cusco guayaquil")
# places that are also given names: non-names after a preposition of place ("lives in Victoria")
CITY_NAMES = _keys("victoria sydney florence charlotte austin paris adelaide regina madison georgia savannah "
                   "santiago orlando houston dallas phoenix lincoln jackson chester hamilton wellington valencia "
                   "alexandria eugene india jordan israel china chelsea brooklyn")
_PLACE_PREPOSITION = re.compile(r"(?i:\b(?:in|near|around|outside|across|visiting|visit|downtown|based\s+in)\s+)$")
MONTHS = _keys("january february march april may june july august september october november december "
               "jan feb mar apr jun jul aug sep sept oct nov dec")
_MONTH_NAMES = frozenset(m for m in MONTHS if len(m) > 3 or m == "may")
_DATE_BEFORE = re.compile(r"(?i:\b(?:in|on|since|until|till|by|of|last|next|this|early|late|mid|from|through|"
                          r"during|every|each|before|after)\s+|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?)$")
_DATE_AFTER = re.compile(r"\s*\d{1,2}(?:st|nd|rd|th)?\b|\s*,?\s*\d{4}\b")
MODALS = frozenset("will may can shall must might could would should".split())
_QUESTION_SUBJECTS = frozenset(
    "i you he she it we they this that there these those the my your our his her their someone somebody anyone "
    "anybody everyone everybody u ya y'all one".split())
_SENTENCE_START = re.compile(r"(?:^|[.!?…:;\n]\s*|^\W+)$")
# street words: "Calle Mayor 5", "Rua Augusta 12", "Baker Street"
_STREET_BEFORE = "Calle|Avenida|Avda|Rua|Strada|Viale|Piazza|Plaza|Paseo|Carrera|Ulica|Jalan|Thanon|Chemin|Boulevard"
_STREET_BEFORE_WITH_NUMBER = "Via|Rue|Av|Ul|Soi|Jl|Largo|Travessa|Estrada|Camino|Carrer|Avenue"
_STREET = re.compile(
    r"\b(?:(?:" + _STREET_BEFORE + r")\.?(?:\s+(?:de|del|da|do|dos|das|di|della|la|el|los|las))?"
    r"(?:\s+[A-ZÀ-ÖØ-Þ][^\W\d_'’\-]*){1,2}"
    r"|(?:" + _STREET_BEFORE_WITH_NUMBER + r")\.?(?:\s+(?:de|del|da|do|dos|di|della|la))?"
    r"(?:\s+[A-ZÀ-ÖØ-Þ][^\W\d_'’\-]*){1,2}(?=,?\s+\d)"
    r"|(?:[A-Z][^\W\d_]+\s+){1,2}(?:Street|St\.|Avenue|Ave\.?|Road|Rd\.?|Boulevard|Blvd\.?|Square|"
    r"Straße|Strasse|Drive|Crescent|Terrace))")
_GREETING_WORD = re.compile(r"(?<![\w'’])[^\W\d_]+(?:[ \t]+[^\W\d_]+)?")
_GREETING_PHRASES = re.compile(
    r"(?i:\b(?:xin\s+ch[aà]o|dzie[nń]\s+dobry|dobry\s+den|buenos\s+d[ií]as|buenas\s+(?:tardes|noches)|"
    r"bom\s+dia|boa\s+(?:tarde|noite)|guten\s+(?:tag|morgen|abend)|selamat\s+(?:pagi|siang|sore|malam)|"
    r"terima\s+kasih|c[aả]m\s+[oơ]n|salam\s+alaikum|as+alamu\s*alaikum)\b)")


_WORD_BEFORE = re.compile(r"([^\W\d_]+) $")


def non_name_spans(text: str) -> List[Tuple[int, int]]:
    """Character ranges of ``text`` that are not person names whatever a detector says:
    greetings and thanks of other languages (Hola, Olá, Merhaba, Dzień dobry, xin chào), cities
    (Accra, Jeddah; Victoria after "in"), months in dates ("on June 3", "3 June", "in May"), a modal
    verb starting a question ("Will it ...?", "May I ...?") and street names ("Calle Mayor 5")."""
    spans: List[Tuple[int, int]] = []
    for m in _GREETING_PHRASES.finditer(text):
        spans.append((m.start(), m.end()))
    for m in _STREET.finditer(text):
        spans.append((m.start(), m.end()))
    for m in NAME_PART.finditer(text):
        word = m.group()
        if word.islower() and len(word) < 3:
            continue
        key = part_key(word)
        s, e = m.start(), m.end()
        if key in NON_NAME_WORDS:
            spans.append((s, e))
        elif key in CITY_WORDS:
            before = _WORD_BEFORE.search(text, max(0, s - 20), s)
            if not (before and before.group(1)[0].isupper() and part_key(before.group(1)) in english_given_names()):
                spans.append((s, e))  # but "Margaret Hamburg" is a name
        elif key in _AMBIGUOUS_GREETINGS:
            accented = _AMBIGUOUS_GREETINGS[key]
            after = text[e:e + 3]
            if (accented and word.lower() == accented) or (s == 0 or _SENTENCE_START.search(text, 0, s)) and \
                    (not after.strip() or after.lstrip()[:1] in ",!.?;:"):
                spans.append((s, e))
        elif key in CITY_NAMES and _PLACE_PREPOSITION.search(text, max(0, s - 20), s):
            spans.append((s, e))
        elif key in MODALS and word[0].isupper() and _starts_question(text, s, e):
            spans.append((s, e))
        elif key in MONTHS:
            if _DATE_AFTER.match(text, e) or (key in _MONTH_NAMES and _DATE_BEFORE.search(text, max(0, s - 20), s)):
                spans.append((s, e))
    return spans


def _starts_question(text: str, start: int, end: int) -> bool:
    """A modal verb that starts a sentence before its subject: "Will it ...", "May I ..."."""
    nxt = NAME_PART.match(text, end + 1) if text[end:end + 1] in (" ", "\t") else None
    return bool(nxt and nxt.group().lower() in _QUESTION_SUBJECTS and
                (start == 0 or _SENTENCE_START.search(text, 0, start)))


def overlaps(spans: Sequence[Tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


# -- cues that mark a word as a name ----------------------------------------------------------------------
# words after "Hi", "Thanks" that are not a person addressed ("Thanks Again!", "Hello World")
NOT_ADDRESSEES = frozenset(
    "everyone everybody all guys gals team there world folks friends friend again much lot lots man bro dude sis "
    "mate buddy pal babe baby honey dear love god lord jesus fam twitter tweeps ya yall y'all you so anyway tons "
    "heaps mom mum dad mama papa sir madam maam ma'am boss chief doc girl girls boys boy ladies gents people "
    "peeps sweetie darling beautiful gorgeous handsome bud champ fella kids family guy anyways tho though btw "
    "sunshine morning afternoon evening night day tonight today tomorrow sweetheart cutie hun hon bestie bae "
    "monday tuesday wednesday thursday friday saturday sunday january february march april june july august "
    "september october november december everyone's following follow follows followers support help info "
    "lord sirs ladies fans haters guys' gang crew squad homie homies y'all's x xx xxx america usa uk europe "
    "africa asia canada mexico brazil nigeria ghana london paris".split())
_GREETING_CUE = re.compile(
    r"(?<![\w'’])(?i:hi|hello|hey|heya|hiya|dear|thanks|thank\s+you|thank\s+u|thanx|thx|thnx|cheers|bye|"
    r"goodbye|good\s+morning|good\s+afternoon|good\s+evening|good\s+night|welcome|congrats|congratulations|"
    r"sorry|hola|ol[aá]|merhaba|bonjour|hallo|ciao|salut|obrigad[oa]|gracias|merci|danke)"
    r",?[ \t]+([A-Z][a-z'’]+(?:-[A-Za-z][a-z]+)?(?:[ \t][A-Z][a-z'’]+)?)(?=[ \t]*(?:[,!.?;:)…]|$|\n))")
_CONTRACTION = re.compile(r"['’](?:m|s|re|ll|ve|d|t)$", re.IGNORECASE)  # "Hi, I'm Lee", "Hey It's me"
# ALL-CAPS Slavic female surnames, which the detector misses ("TELL NOVAKOVA I SAID HI")
_FEMALE_SURNAME_CUE = re.compile(r"(?<![\w@#'’\-])[A-Z]{3,}(?:OVA|EVA|OVÁ|SKAYA|SKAJA|INA|SKÁ|CKÁ)(?![\w\-])")
NOT_FEMALE_SURNAMES = frozenset(
    "geneva casanova supernova moldova jehova bratislava pavlova ballerina vagina angina marina stamina "
    "carolina argentina regina semolina ocarina concertina retina medina czechia".split())

# -- name order: East and South-East Asian family names come first ("Nguyen Van Minh", "Park Seo-yeon") ---
_VIETNAMESE = "nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly truong dinh dao doan luong trinh"
_CHINESE = ("wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin luo zheng liang xie tang "
            "feng deng cao peng zeng xiao tian dong pan yuan cai jiang du ye cheng su lu ding ren shen yao fan fang "
            "shi zou xiong bai meng qin qiu hou yin xue yan duan lei tao mao hao gu gong qian kong wong chan cheung "
            "leung lau chow tsang yip kwok tse lam chiu tsai hsu chang liao tseng lai lo")
_KOREAN = ("kim lee park choi jung jeong kang cho yoon yun jang lim im han shin seo kwon hwang ahn an song yoo yu "
           "hong jeon ko moon mun yang son bae baek heo nam noh kwak sung cha joo woo ryu jin oh")
FAMILY_NAME_NATIONALITIES = {}
for _nat, _names in (("Chinese", _CHINESE), ("Korean", _KOREAN), ("Vietnamese", _VIETNAMESE)):
    for _name in _names.split():
        FAMILY_NAME_NATIONALITIES.setdefault(_name, []).append(_nat)
# family names that are no common English word or name: their nationality is read from the name itself
# ("Nguyen" alone is Vietnamese whatever the character model says)
UNAMBIGUOUS_FAMILY_NAMES = frozenset(
    "nguyen tran pham hoang huynh phan dang truong doan zhang wang liu chen huang zhao zhou zhu guo zheng liang "
    "xie xiao cheung leung tsang kwok hsu tseng choi jeong kwon hwang baek kwak ryu".split())
# one romanized syllable of Chinese (pinyin, Wade-Giles), Korean (RR) or Vietnamese (without its tones)
_SYLLABLE = r"(?:ch|sh|zh|kh|th|ph|tr|ng|nh|gh|gi|qu|hs|ts|[bcdfghjklmnpqrstvwxyz])?(?:[aeiou]{1,3}|y[aeiou]{1,2})(?:ng|nh|ch|[nmptk])?"
_ASIAN_WORD = re.compile(r"(?:" + _SYLLABLE + r"){1,3}")
_KOREAN_VOWELS = re.compile(r"eo|eu|ae|oo|ye|wo")
_VIETNAMESE_MIDDLES = frozenset("van thi duc huu ngoc thanh quoc xuan minh kim dinh cong hong".split())


@lru_cache(maxsize=1)
def english_given_names() -> frozenset:
    """The bundled gazetteer's given names, folded (the names that read as Western given names)."""
    from ..util import bundled_path
    path = bundled_path("name_anonymizer") / "given_names_en.txt"
    if not path.exists():
        return frozenset()
    return frozenset(part_key(w) for w in path.read_text(encoding="utf8").split())


def family_name_first(parts: Sequence[str]) -> Optional[str]:
    """The nationality of a name written family name first (Chinese, Korean or Vietnamese order:
    "Nguyen Van Minh", "Wang Jianguo", "Park Seo-yeon"), or None for given-name-first names."""
    if len(parts) < 2:
        return None
    keys = [part_key(p) for p in parts]
    nats = FAMILY_NAME_NATIONALITIES.get(keys[0])
    if not nats or keys[-1] in FAMILY_NAME_NATIONALITIES and "-" not in keys[-1]:
        return None  # "Wei Chen": the last part is the family name
    rest = keys[1:]
    for key in rest:
        if not all(_ASIAN_WORD.fullmatch(piece) for piece in key.split("-")):
            return None  # "Kim Kardashian"
    western = english_given_names()
    if any(k in western and k not in _VIETNAMESE_MIDDLES for k in rest if "-" not in k):
        return None  # "Kim Anna", "Lee Ann"
    if len(nats) == 1:
        return nats[0]
    if "Korean" in nats and any("-" in k or _KOREAN_VOWELS.search(k) for k in rest):
        return "Korean"
    if "Vietnamese" in nats and (len(rest) >= 2 or rest[0] in _VIETNAMESE_MIDDLES):
        return "Vietnamese"
    return "Chinese" if "Chinese" in nats else nats[0]


def widen(text: str, start: int, end: int) -> Tuple[int, int]:
    """A mention widened to whole words: a detector that stops at a hyphen ("Park Ji" of
    "Park Ji-eun") or starts inside a word leaves no piece of the name behind."""
    n = len(text)
    while start > 0 and (text[start - 1].isalpha() or (
            text[start - 1] in "-'’" and start > 1 and text[start - 2].isalpha())):
        start -= 1
    while end < n and (text[end].isalpha() or (text[end] in "-'’" and end + 1 < n and text[end + 1].isalpha())):
        end += 1
    return start, end


# the local part of an e-mail address or a handle, split into its words ("hiroshi.novak@", "@olena_shevchenko")
ADDRESS = re.compile(r"(?<![\w.+\-])[\w.+\-]+(?=@[\w\-]+\.[\w.\-]+)|(?<![\w@])@[\w.]+")
ADDRESS_WORD = re.compile(r"[^\W\d_]+")
# words of addresses that are not names
ADDRESS_WORDS = frozenset(
    "info admin support mail email contact sales office team hello noreply reply help service billing accounts "
    "account news newsletter jobs careers hr marketing press media web webmaster root user test official real "
    "the app dev shop store official tweets fan fans club".split())


__all__ = ["NAME_PART", "HANDLE", "POSSESSIVE", "HONORIFICS", "PARTICLES", "SKIPPED_PARTICLES",
           "SURNAME_PARTICLES", "LOWER_PARTICLES", "part_key", "name_parts", "split_name", "cue_spans",
           "NON_NAME_WORDS", "CITY_WORDS", "CITY_NAMES", "MONTHS", "MODALS", "NOT_ADDRESSEES", "non_name_spans", "overlaps",
           "FAMILY_NAME_NATIONALITIES", "UNAMBIGUOUS_FAMILY_NAMES", "family_name_first", "widen", "ADDRESS",
           "ADDRESS_WORD", "ADDRESS_WORDS", "english_given_names"]
