"""What tells close languages apart in a short message, where a character-n-gram model alone
is unsure: common words (folded, so they also match text written without diacritics) and
letters only one of the neighbours uses. Read by inbox/language.py."""
from __future__ import annotations

from . import fold

_WORDS = {
    "cs": """
        jsem jsi jste jsme jsou není nejsem nemám máte mám můj moje mého mně mě proč kdy
        jak kde co že už ještě pořád furt taky také tady tohle toto tenhle tento nebo ale
        děkuji děkuju díky dík prosím dobrý den ahoj zdravím bych byste chci chtěl chtěla
        potřebuji potřebuju objednávka objednávku objednávky balík balíček zásilka zásilku
        peníze reklamace faktura kurýr jsem nic nikdo vám vás váš vaše jenom jen dnes včera
        zítra týden hodně moc fakt vůbec přišel přišla přijde dorazil dorazila nefunguje
        funguje nejde můžu můžete mohu kolik stojí jaký jaká jaké který která
        zase protože když pokud jestli hned teď
    """,
    "sk": """
        som si sme ste nie nemám máte mám môj moja moje prečo kedy ako kde čo že už ešte
        stále tiež tu toto tento alebo ale ďakujem ďakujeme vďaka prosím dobrý deň ahoj
        by chcem potrebujem objednávka objednávku balík zásielka peniaze reklamácia kuriér
        nič nikto vám vás váš vaša len dnes včera zajtra týždeň veľmi vôbec prišiel prišla
        príde nefunguje funguje nejde môžem môžete koľko stojí aký aká aké ktorý ktorá
        lebo keď ak či hneď teraz
    """,
    "pl": """
        jestem jest jesteś jesteście są nie mam macie mój moja moje mojego mnie dlaczego
        czemu kiedy jak gdzie co że już jeszcze wciąż nadal ciągle też tutaj to ten ta
        albo ale lub dziękuję dzięki proszę dzień dobry cześć hej bym byłoby chcę chciałem
        chciałam potrzebuję zamówienie zamówienia paczka paczkę przesyłka przesyłkę
        pieniądze reklamacja faktura kurier nic nikt wam was wasz wasza tylko dziś dzisiaj
        wczoraj jutro tydzień bardzo wcale przyszła przyszło dotarła dotarło działa
        mogę możecie ile kosztuje jaki jaka jakie który która znowu bo gdy jeśli czy
        się sie teraz od razu
    """,
    "bg": """
        съм си сме сте са е не нямам имате имам моят моята моето моите защо кога как къде
        какво че вече още все пак също тук това този тази или но благодаря мерси моля
        здравейте здрасти добър ден бих искам искаше трябва поръчка поръчката пратка
        пратката пакет парите пари рекламация фактура куриер куриерът нищо никой вас ваш
        вашия само днес вчера утре седмица много изобщо дойде пристигна пристигнала работи
        мога можете колко струва какъв каква какви който която защото когато ако дали
        ли ще да го ми ги ме сега веднага
    """,
    "ru": """
        я мой моя моё мои почему когда как где что уже ещё еще тоже здесь это этот эта или
        но спасибо пожалуйста здравствуйте привет добрый день хочу нужно заказ заказа
        посылка деньги жалоба счёт курьер ничего никто вам вас ваш ваша только сегодня
        вчера завтра неделя очень вообще пришёл пришла пришло работает могу можете сколько
        стоит какой какая какие который которая потому если ли будет нет есть вы мне
    """,
    "uk": """
        я мій моя моє мої чому коли як де що вже ще теж тут це цей ця або але дякую будь
        ласка вітаю привіт хочу потрібно замовлення посилка гроші кур'єр нічого ніхто вам
        вас ваш ваша тільки сьогодні вчора завтра тиждень дуже прийшов прийшла працює можу
        можете скільки коштує який яка які тому якщо чи буде немає є ви мені
    """,
    "en": """
        i'm my you your you're we our is are was were not don't doesn't didn't
        can't can cannot won't still why when how where what who which the an and but or
        of for in at with from this that it it's thanks thank thx please hi hello
        order parcel package delivery refund money bill invoice courier nobody nothing
        just today yesterday tomorrow week very really again since have has had get got
        need want would could should will been there here any some
    """,
}

CUE_WORDS: dict[str, frozenset[str]] = {code: frozenset(fold(words).split()) for code, words in _WORDS.items()}

# Letters that, among Hovor's languages and their neighbours, one language alone writes.
CUE_LETTERS: dict[str, str] = {
    "cs": "řůě",
    "sk": "äôľĺŕ",
    "pl": "ąęłśźżńć",
    "ru": "ыэё",
    "uk": "іїєґ",
    "bg": "ъ",
}
