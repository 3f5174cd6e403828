"""Polish, also without diacritics (ł folds to l too), with texting shorthand and slang."""
from . import STRONG, build

LEXICON = build(
    "pl",
    strong_positive="""
        dziękuję dziekuje dziękujemy dzięki dzieki dzięks dzieks dziena thx wielkie serdeczn*
        wdzięczn* świetn* wspaniał* rewelac* rewelacyjn* doskonał* idealn* perfekcyjn* super
        suuper extra ekstra najlepsz* zadowolon* polecam kochani mistrz* cudo cudown* sztos
        petarda bomba zajebist* genialn* fantastyczn* brawo doceniam najlepsi najlepszy najlepsza
        przemił* znakomic* wyśmienic* kozak* ekstra rewela dzięks
    """,
    positive="""
        dobr* fajn* miło mił* miła miły szybk* szybko pomocn* uprzejm* życzliw* rozwiązan*
        rozwiązał* pomógł pomogli pomogła załatwion* załatwił* działa działają działać działało
        działały działał udało udał* nareszcie wreszcie
        zgadza radość cieszę cieszy pięknie piękn* śmiga sukces spoko git gitara luz niezawodn*
        profesjonaln* cierpliw* przyjemn* pomógł
        pomocni pomogło cieszymy sprawnie sprawn* ulga polecamy
    """,
    mild_positive="ok okej dobrze jasne",
    mild_negative="""
        problem problemy błąd bład niestety przełącza* opóźn* wolno drogo czekam czekać znowu
        znów ponownie reklamac* hmm brakuje
    """,
    negative="""
        zły zła złe złą zle źle gorsz* gorzej zepsu* uszkodz* zniszcz* zgubi* zginęł* rozczarow*
        wkurz* wściek* zdenerwow* niezadowolon* dość dosc żenad* żenujące wstyd* kłamie*
        kłamstw* oszu* złodzie* szmelc* badziew* chłam lipa lipn* nikt nic nigdy porażk*
        skarg* anulow* rozłączył* przegrzew* restartuj* zawiesz* zawiesza zajęte nieogar*
        nieudoln* beznadziejn* fatal* słab* kpina żart zart nierozpatrzon*
        niedoręcz* oddajcie rezygnuję rezygnuje wypowiadam pobraliście pobrali
        udajecie nierozpatrz* dno badziewie odrzucon* odrzucil* oszukan* oszukuje
        okradli okrad* złodziej* zlodziej* tnie zacina zawiesił* zawiesza padł padło
        awari* usterk* wadliw* reklamuj* skarżę zażalen* wkurzon* wkurza irytując* irytuj*
        niemił* nieuprzejm* chamsk* bezczeln* ignoruj* olewa* olali olewka zapomnieli
        obiecaliście obiecali obiecany obietnic* absurd* bzdur* cyrk piekło bajzel burdel
        niedopuszczaln* frajer* oszuści nikogo nikomu zniknęł* znikn* skasowa* usunęł* konkurencj* cholera cholery
        kurde kurczę kurwa brakuje brak zabrakło brakującą brakujący
    """,
    strong_negative="""
        najgorsz* okropn* straszn* tragedi* tragiczn* katastrof* koszmar* masakr* skandal*
        skandaliczn* obrzydliw* horror dramat* wściekły wściekła paranoja
    """,
    phrases={
        "z góry dzięki": 0.0, "z góry dziękuję": 0.0, "dzięki z góry": 0.0,
        "dzień dobry": 0.0, "dobry wieczór": 0.0, "wciąż czekam": -STRONG, "nadal czekam": -STRONG,
        "ciągle czekam": -STRONG, "wciąż nic": -STRONG, "nadal nic": -STRONG, "dalej nic": -STRONG,
        "nie działa": -STRONG, "nadal nie": -1.5, "wciąż nie": -1.5, "dalej nie": -1.5,
        "nie dotarło": -STRONG, "nie dotarła": -STRONG, "nie przyszło": -STRONG,
        "nie przyszła": -STRONG, "mam dość": -STRONG, "mam dosyć": -STRONG,
        "nigdy więcej": -STRONG, "jakiś żart": -STRONG, "zwrot pieniędzy": -0.5,
        "chcę zwrot": -1.5, "do niczego": -STRONG, "co jest grane": -1.5, "dwa razy": -1.0,
        "w porządku": 1.0, "bez problemu": STRONG, "jak nowy": STRONG, "jak nowa": STRONG,
        "dobra robota": STRONG, "udało się": STRONG, "drugi tydzień": -1.5,
        "trzeci tydzień": -1.5, "trzeci raz": -1.5, "jak można": -1.0, "z waszej strony": 0.0,
        "ile trwa": 0.0, "jaki jest": 0.0, "od wczoraj": -0.5,
        "od rana": -0.5, "za każdym razem": -1.0, "czapki z głów": STRONG, "nie spodziewał*": 0.0,
        "do cholery": -1.5, "w ogóle nie": -1.0, "tak trzymać": STRONG, "trzy razy": -1.0, "cztery razy": -1.0,
        "pięć razy": -1.0, "kilka razy": -1.0, "parę razy": -1.0, "w kółko": -1.0, "cały dzień": -1.0,
        "bez powodu": -1.5, "cudzą paczkę": -1.0,
        "to jakiś żart": -STRONG, "brak odpowiedzi": -1.5, "nikt nie odpowiada": -STRONG,
        "nie mogę": -1.0, "nie da się": -1.0, "nie ma": -0.5, "czekam na dostawę": 0.0,
        "nie mogę się doczekać": STRONG, "o to mi chodziło": 1.0, "czy można": 0.0, "pełen sukces": STRONG,
        "dobry": 1.0,
    },
    negators="nie ani bez zero żaden żadna żadne przestał przestała przestało przestały przestaje przestają",
    negating_prefixes="nie",
    intensifiers="bardzo mega naprawdę serio totalnie kompletnie strasznie ogromnie tak super wielce",
    contrast="ale jednak lecz",
    persistence="wciąż nadal dalej ciągle jeszcze dotąd",
    negative_concord=True,
)
