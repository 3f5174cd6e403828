"""The customer's side of satisfaction, no login: the emailed link's page (1–5 buttons, one
answer, nothing shown but the brand's name) and the review invitation's tracked redirect.
The signed token in the URL is the only key; thin: parse, call one action, render."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET, require_http_methods

from ..actions.csat import CsatError, csat_answer, csat_review_accept, csat_survey_from_token

RATINGS = (1, 2, 3, 4, 5)


@require_http_methods(["GET", "POST"])
def csat_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        survey = csat_survey_from_token(token=token)
    except CsatError:
        return render(request, "inbox/csat_page.html", {"invalid": True}, status=404)
    with translation.override(survey.language):
        answered_now = False
        if request.method == "POST":
            rating = request.POST.get("rating", "")
            if rating.isdigit() and int(rating) in RATINGS:
                try:
                    answered_now = csat_answer(survey_id=survey.pk, rating=int(rating), via="link")
                except CsatError:
                    return render(request, "inbox/csat_page.html", {"invalid": True}, status=404)
                survey.refresh_from_db()
        return render(
            request,
            "inbox/csat_page.html",
            {
                "brand_name": survey.brand.name, "ratings": RATINGS, "answered": survey.rating is not None,
                "answered_now": answered_now, "rating": survey.rating, "lang": survey.language,
            },
        )


@require_GET
def csat_review(request: HttpRequest, token: str) -> HttpResponse:
    try:
        url = csat_review_accept(token=token)
    except CsatError:
        return render(request, "inbox/csat_page.html", {"invalid": True}, status=404)
    return HttpResponseRedirect(url)
