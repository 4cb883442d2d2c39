package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
)

type unitJSON struct {
	Code      string  `json:"code"`
	Name      string  `json:"name"`
	Type      string  `json:"type"`
	Level     string  `json:"level"`
	Parent    *string `json:"parent"`
	ValidFrom string  `json:"valid_from"`
	ValidTo   *string `json:"valid_to"`
}

func toUnitJSON(u *survey.Unit) unitJSON {
	j := unitJSON{Code: u.Code, Name: u.Name, Type: u.Type, Level: string(u.Level), ValidFrom: u.ValidFrom.Format(time.DateOnly)}
	if u.Parent != "" {
		p := u.Parent
		j.Parent = &p
	}
	if !u.ValidTo.IsZero() {
		t := u.ValidTo.Format(time.DateOnly)
		j.ValidTo = &t
	}
	return j
}

var hanoi = time.FixedZone("ICT", 7*3600)

// atParam reads ?at= (a date); the default is today in Hanoi.
func atParam(c *gin.Context) (time.Time, error) {
	s := c.Query("at")
	if s == "" {
		y, m, d := time.Now().In(hanoi).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		e := survey.Errorf(survey.CodeMalformed, msg.ParamAtDate)
		e.Fields = []survey.FieldError{{Path: "?at", Code: "format", Message: e.Message}}
		return t, e
	}
	return t, nil
}

// listUnits lists the units directly below ?parent= (default: the city
// itself) in the hierarchy valid on ?at=.
func (s *Server) listUnits(c *gin.Context) error {
	at, err := atParam(c)
	if err != nil {
		return err
	}
	var units []*survey.Unit
	if parent := c.Query("parent"); parent != "" {
		if _, ok := s.Units.At(parent, at); !ok {
			return survey.Errorf(survey.CodeNotFound, msg.ParentUnitNotFoundOnDate, parent)
		}
		units = s.Units.Children(parent, at)
	} else if u, ok := s.Units.At(survey.CityCode, at); ok {
		units = []*survey.Unit{u}
	}
	items := make([]unitJSON, len(units))
	for i, u := range units {
		items[i] = toUnitJSON(u)
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
	return nil
}

func (s *Server) getUnit(c *gin.Context) error {
	at, err := atParam(c)
	if err != nil {
		return err
	}
	u, ok := s.Units.At(c.Param("code"), at)
	if !ok {
		return survey.Errorf(survey.CodeNotFound, msg.UnitNotFoundOnDate)
	}
	c.JSON(http.StatusOK, toUnitJSON(u))
	return nil
}
