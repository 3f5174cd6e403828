"""Czech, also as written without diacritics (they are folded away before matching), with
texting shorthand and common slang."""
from . import STRONG, build

LEXICON = build(
    "cs",
    strong_positive="""
        děkuji děkuju děkujeme díky dík dekuju díkes díkybohu mockrát vděčn* skvěl*
        výborn* úžasn* perfektn* paráda parádní super suprov* bomba nejlepší zlatí zlatý
        borci borec spokojen* doporučuji doporučuju ocenuji oceňuji oceňujem nádhern* nádhera
        báječn* fantastick* luxusn* hustý hustej špička boží nejlepsi nejlepší nejlíp bezva senzační senzace
        skvěle výborně perfektně úžasně ochotně vděk poděkování děkujem
    """,
    positive="""
        dobr* hezk* pěkn* rychl* ochotn* milý milá milí mile milé vstřícn* radost potěšil* vyřešen* vyřešil*
        vyřízen* vyřídil* pomohl* pomohli funguje fungovalo funguj* fungov* povedl* konečně oceňuj* vážím
        sedí pohod* top spolehliv* profesionál* trpěliv* příjemn* rychle ochotně těším těšíme
        potěšen* pomohl* pomohla jede běží vyšlo klaplo ulevilo klobouk
    """,
    mild_positive="ok okay dobře jo fajn",
    mild_negative="""
        problém problémy nejde nemůžu nemuzu chyba přepoj* bohužel zpožd* pomal* drah* čekám čekat čekání zase
        opět znovu reklamac* hm nevím
    """,
    negative="""
        špatn* horš* rozbit* rozbil* poškoz* zničen* nefunkčn* ztracen* ztratil* zklaman*
        zklamal* naštvan* naštv* nasran* rozčil* nespokojen* štve nebaví ostud* hanba
        lžete lháři lež podvod* zloděj* šmejd* šunt* nikdo nic nikdy nejde
        stížnost* zrušil* zrušen* zavěsil* přehřív* restartuj* zaseklo zasekl* obsazeno
        neschopn* neschopnej otrav* smůla fail nechápu děsn* děsiv* blbě blb* trapn* nedoraz*
        nepřiš* nepřijel* neodpov* nereaguj* neřeš* nefung* nevrátil* nedoruč* strhli
        strhl* dvakrát třikrát čtyřikrát pětkrát několikrát pokaždé potřetí počtvrté chybí chybějící
        nikoho nikomu zmizel* ztratil* smazal* smazan* nebav* konkurenc* proboha sakra
        kurva krucinál
        skončil končím ruším výsměch výsměšn* zamítnut* zamítl* zamítli
        okrád* okrad* zlodě* podvodníci neodeslan* nedošl* nedoš* neobdržel* nedostal*
        nezvedá nebere nikde seká sekne padá spadl* výpadek vypadává nejede zamrz* chyb*
        vadn* poškozen* reklamuj* reklamovat stěžuj* stížnost* naštvat štvou otrávil*
        otravn* drzý drz* nepříjemn* arogantn* ignoruj* ignorov* zapomněl* slibovali slíbili
        slíbil* sliby nesmysl* absurdní trapas fraška peklo zmatek nefér nehoráznost
    """,
    strong_negative="""
        nejhorší hrůza hrůzn* hrozn* hrozný katastrof* tragédie tragick* příšern* otřesn*
        strašn* odporn* skandál* zoufal* vztek* šílen* nehorázn* průser* katastrofa
    """,
    phrases={
        "díky předem": 0.0, "předem děkuji": 0.0, "předem díky": 0.0, "dobrý den": 0.0,
        "dobré ráno": 0.0, "dobrý večer": 0.0, "dobrý deň": 0.0, "pořád nic": -STRONG,
        "stále nic": -STRONG, "porad nic": -STRONG, "ještě nic": -1.5, "pořád nefunguje": -STRONG,
        "pořád čekám": -STRONG, "stále čekám": -STRONG, "už týden": -1.5, "už měsíc": -1.5,
        "druhý týden": -1.5, "třetí den": -1.0, "mám toho dost": -STRONG, "mám dost": -STRONG,
        "už nikdy": -STRONG, "nikdy víc": -STRONG, "děláte srandu": -STRONG, "si děláte": -1.0,
        "zpátky peníze": -1.5, "vraťte peníze": -STRONG, "to je ostuda": -STRONG,
        "v pořádku": 1.0, "je vše v pořádku": 0.0, "bez problémů": STRONG, "bez vysvětlení": -1.5,
        "jako nový": STRONG, "jako nová": STRONG, "k ničemu": -STRONG, "tak tohle fakt ne": -STRONG,
        "není to": -0.5, "dobrá práce": STRONG, "dobrej": 1.0, "fakt díky že": -0.5,
        "jak dlouho": 0.0, "jaký je": 0.0, "dobrý": 1.0, "od včera": -0.5,
        "od rána": -0.5, "pořád dokola": -1.0, "klobouk dolů": STRONG, "co s tím": -0.5, "vůbec ne": -1.0,
        "zase a znovu": -1.0, "celý den": -1.0, "bez důvodu": -1.5,
        "úplně mimo": -STRONG,
        "jste mimo": -STRONG, "mimo provoz": -1.5, "cizí balík": -1.0, "to snad ne": -STRONG,
        "to je vtip": -STRONG, "žádná odpověď": -1.5, "nikdo neodpovídá": -STRONG,
        "těším se": 1.0, "jsem rád": 1.0, "jsem ráda": 1.0, "rád bych": 0.0, "ráda bych": 0.0,
    },
    negators="""
        ne není neni nejsem nejsou nemám nemam bez ani žádný zadny žádná přestal přestala přestalo
        přestaly přestává přestávají
    """,
    negating_prefixes="ne",
    intensifiers="velmi moc fakt hrozně strašně opravdu úplně totálně extrémně dost tak mega hodně fakticky",
    contrast="ale však jenže avšak akorát",
    persistence="pořád stále ještě furt pořad dosud",
    negative_concord=True,
)
