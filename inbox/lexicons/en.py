"""English, as customers write it on social channels: slang, texting shorthand, care phrases."""
from . import STRONG, build

LEXICON = build(
    "en",
    strong_positive="""
        thanks thank thankyou thx thnx ty tysm ta cheers appreciate* grateful amazing awesome
        excellent brilliant fantastic superb perfect* love loved loving lovely legend* stars
        wonderful outstanding delighted thrilled rock rocks heroes hero best lifesaver
        spot-on exceptional incredible phenomenal stellar thankful
    """,
    positive="""
        great good nice happy glad pleased fine helpful friendly
        sorted solved fixed resolved works working recommend* impressed impressive sweet
        cool neat superstar star reliable efficient responsive prompt* professional
        patient understanding courteous pleasure enjoyed happier relieved brill ace
        looking forward glad helped huge gorgeous beautiful* beauty pleasant* satisfied
        yay woohoo wow enjoy* super fab fabulous gem champ flawless*
    """,
    mild_positive="ok okay alright welcome polite quick* fast* smooth* easy finally quicker",
    mild_negative="""
        problem problems issue issues wrong late transfer* bounced delay* slow* missing confus* unclear
        expensive cancel* annoy* tired waiting hmm meh unfortunately sadly error
    """,
    negative="""
        bad poor broken broke faulty fault* damaged smashed crack* crash* crashed fail failed
        failing fails failure lost stolen disappoint* unhappy upset sad angry annoyed
        frustrat* complain* rude unhelpful useless worse delayed overcharg* charged
        nothing nobody ignored ignoring never sick junk rubbish garbage trash
        lies lie lying liars liar shame* ridiculous unacceptable hung dead died dies
        overheat* drops dropped flicker* stuck scam* joke wtf ugh nope
        sucks sucked suck hate hated fraud* waste wasted hopeless down outage lag lags
        lagging freez* glitch* bug bugs buggy scammed ripped robbed rejected denied refused
        ghosted disgrac* mess messed screwed wrecked ruined defective leaking dented
        promised promise unreliable rip-off ridiculous joke clueless shocking
        dissatisfied displeased complaint mistake overdue error errors unbelievable
        missing disappeared vanished wiped deleted insane annoying irritat* angry mad pissed cross gutted upset fuming
    """,
    strong_negative="""
        worst terrible awful horrible horrendous appalling disgust* disgrace* pathetic
        furious livid outrag* shocking atrocious nightmare shambles fuming
        incompetent* clowns disaster disastrous
    """,
    phrases={
        "thanks in advance": 0.0, "thank you in advance": 0.0, "thx in advance": 0.0,
        "thanks for nothing": -STRONG, "good morning": 0.0, "good afternoon": 0.0,
        "good evening": 0.0, "good day": 0.0, "all good": STRONG, "no problem": 1.0,
        "no worries": 1.0, "no issues": 1.0, "not working": -1.5, "still waiting": -1.5,
        "still nothing": -1.5, "where is my": -0.5,
        "where's my": -0.5, "had enough": -STRONG, "done with you": -STRONG,
        "fed up": -STRONG, "sick of": -STRONG, "on hold": -1.0, "hung up": -1.5,
        "money back": -1.5, "never again": -STRONG, "never arrived": -STRONG,
        "didn't arrive": -STRONG, "didn't show": -STRONG, "no show": -STRONG,
        "piece of junk": -STRONG, "total fail": -STRONG, "empty promises": -STRONG,
        "zero help": -STRONG, "no help": -STRONG, "made my day": STRONG,
        "good as new": STRONG, "like new": STRONG, "top marks": STRONG, "nailed it": STRONG,
        "you rock": STRONG, "you guys rock": STRONG, "much appreciated": STRONG,
        "for nothing": -1.0, "for ages": -1.0, "and counting": -1.0, "again": -0.5,
        "not happy": -STRONG, "keeps getting worse": -STRONG, "so sweet": STRONG,
        "love it": STRONG, "good job": STRONG, "well done": STRONG, "thank god": 1.0,
        "how much": 0.0, "how long": 0.0, "help me": 0.0, "can you help": 0.0,
        "who can help": 0.0, "need help": -0.5, "since yesterday": -0.5,
        "since this morning": -0.5, "hats off": STRONG, "didn't expect*": 0.0,
        "did not expect*": 0.0, "never expected": 0.0, "what on earth": -1.5, "no one": -1.0,
        "no one's": -1.0, "didn't help": -1.5, "at all": -0.5, "switching to": -1.5, "i'm done": -STRONG,
        "another provider": -1.0, "keep it up": STRONG, "every time": -1.0, "three times": -1.0,
        "third time": -1.0, "second time": -0.5,
        "four times": -1.0, "five times": -1.0, "several times": -1.0, "multiple times": -1.0,
        "again and again": -1.0, "is missing": -1.0, "'s missing": -1.0, "for hours": -1.0, "for days": -1.0,
        "for weeks": -1.0,
        "someone else's": -1.0, "what a joke": -STRONG, "no sign": -1.5, "no reply": -1.5,
        "no response": -1.5, "no answer": -1.5, "turned up": 0.0, "the best": STRONG,
        "looking forward": 1.0, "i'll wait": 0.0, "wait for": 0.0, "how do i": 0.0,
        "please help": -1.0, "refund me": -1.5, "kind of you": STRONG,
        "treat customers like": -STRONG, "how can you": -1.0,
    },
    negators="""
        not no dont don't doesnt doesn't didnt didn't isnt isn't wasnt wasn't cant can't cannot
        wont won't aint ain't without nor hardly barely hasn't hasnt haven't havent aren't arent
        weren't werent shouldn't couldn't wouldn't stopped stops quit zero
    """,
    intensifiers="""
        very so really super extremely totally absolutely completely utterly truly incredibly
        soo sooo such most
    """,
    contrast="but however though although yet",
    persistence="still yet",
)
